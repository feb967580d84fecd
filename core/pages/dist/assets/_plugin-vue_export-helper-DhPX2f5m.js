import{g as e}from"./app-DRlGgNAK.js";const i=e(`
  query OpsInbox($mine: Boolean!) {
    workItems(first: 100, open: true, mine: $mine) {
      totalCount
      edges {
        node {
          id
          title
          category
          source
          state
          dueAt
          overdue
          openedAt
          assigneeOrganisationName
          assigneeUsername
          building { id name }
        }
      }
    }
  }
`),m=e(`
  query OpsWorkItem($id: ID!) {
    workItem(id: $id) {
      id
      title
      category
      source
      state
      dueAt
      overdue
      closed
      openedAt
      outcome
      outcomeNote
      rating
      assigneeOrganisationName
      assigneeUsername
      building { name }
      unit { number }
      raisedBy { name }
      timeline { at actor action note fromState toState }
    }
  }
`),p=e(`
  query OpsOrganisations {
    organisations(first: 100) { edges { node { id name kind } } }
  }
`),u=e(`
  mutation OpsDispatchWorkItem($input: AssignWorkItemInput!) {
    dispatchWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),d=e(`
  mutation OpsReassignWorkItem($input: AssignWorkItemInput!) {
    reassignWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),c=e(`
  mutation OpsAcceptWorkItem($input: WorkStepInput!) {
    acceptWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),l=e(`
  mutation OpsStartWorkItem($input: WorkStepInput!) {
    startWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),g=e(`
  mutation OpsResolveWorkItem($input: ResolveWorkItemInput!) {
    resolveWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),I=e(`
  mutation OpsReturnWorkItem($input: WorkReasonInput!) {
    returnWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),k=e(`
  mutation OpsCloseWorkItem($input: WorkStepInput!) {
    closeWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),O=e(`
  subscription OpsWorkItemChanged($mine: Boolean!) {
    workItemChanged(mine: $mine) { change action workItem { id title state } }
  }
`),A=e(`
  query OpsAlarms {
    alarms(first: 100) {
      totalCount
      edges {
        node {
          id
          message
          type
          severity
          status
          raisedAt
          assignee
          device { deviceId name building { name } }
          households { vulnerable unit { number } }
        }
      }
    }
  }
`),W=e(`
  query OpsAlarm($id: ID!) {
    node(id: $id) {
      __typename
      ... on Alarm {
        id
        message
        type
        severity
        status
        value
        raisedAt
        acknowledgedAt
        acknowledgedBy
        clearedAt
        clearedBy
        outcome
        note
        assignee
        device { deviceId name building { name } }
        households { vulnerable careNeeds unit { number } residents { name } }
        comments { author text createdAt }
      }
    }
  }
`),$=e(`
  mutation OpsAcknowledgeAlarm($input: AcknowledgeAlarmInput!) {
    acknowledgeAlarm(input: $input) { alarm { id status } errors { field message code } }
  }
`),h=e(`
  mutation OpsClearAlarm($input: ClearAlarmInput!) {
    clearAlarm(input: $input) { alarm { id status outcome } errors { field message code } }
  }
`),f=e(`
  mutation OpsCommentOnAlarm($input: CommentOnAlarmInput!) {
    commentOnAlarm(input: $input) { comment { author text createdAt } errors { field message code } }
  }
`),v=e(`
  subscription OpsAlarmChanged {
    alarmChanged { change alarm { id status severity message } }
  }
`),w=(t,n)=>{const s=t.__vccOpts||t;for(const[o,a]of n)s[o]=a;return s};export{i as O,w as _,O as a,p as b,u as c,d,c as e,l as f,g,I as h,k as i,m as j,A as k,v as l,W as m,h as n,f as o,$ as p};
