/** The GraphQL operations of the ops screens (work-item inbox and alarms), prefixed `Ops`. */
import { graphql } from "@/gql";

/** The open inbox: every visible item (street staff) or only the caller's (`mine`). */
export const OpsInbox = graphql(`
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
`);

/** One work item with its timeline. */
export const OpsWorkItem = graphql(`
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
`);

/** The street's organisations, to dispatch an item to. */
export const OpsOrganisations = graphql(`
  query OpsOrganisations {
    organisations(first: 100) { edges { node { id name kind } } }
  }
`);

/** Street staff assign a new or returned item. */
export const OpsDispatchWorkItem = graphql(`
  mutation OpsDispatchWorkItem($input: AssignWorkItemInput!) {
    dispatchWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`);

/** Street staff move an open item to another assignee. */
export const OpsReassignWorkItem = graphql(`
  mutation OpsReassignWorkItem($input: AssignWorkItemInput!) {
    reassignWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`);

/** The assignee takes the item on. */
export const OpsAcceptWorkItem = graphql(`
  mutation OpsAcceptWorkItem($input: WorkStepInput!) {
    acceptWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`);

/** The assignee starts work (with a progress note). */
export const OpsStartWorkItem = graphql(`
  mutation OpsStartWorkItem($input: WorkStepInput!) {
    startWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`);

/** The assignee records what was done and the outcome. */
export const OpsResolveWorkItem = graphql(`
  mutation OpsResolveWorkItem($input: ResolveWorkItemInput!) {
    resolveWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`);

/** The assignee hands the item back with a reason. */
export const OpsReturnWorkItem = graphql(`
  mutation OpsReturnWorkItem($input: WorkReasonInput!) {
    returnWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`);

/** Street staff close an item. */
export const OpsCloseWorkItem = graphql(`
  mutation OpsCloseWorkItem($input: WorkStepInput!) {
    closeWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`);

/** Work items as they change (only those the caller may read). */
export const OpsWorkItemChanged = graphql(`
  subscription OpsWorkItemChanged($mine: Boolean!) {
    workItemChanged(mine: $mine) { change action workItem { id title state } }
  }
`);

/** Open alarms with their households. */
export const OpsAlarms = graphql(`
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
`);

/** One alarm: households, comments and what was done. */
export const OpsAlarm = graphql(`
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
`);

/** Take charge of an alarm. */
export const OpsAcknowledgeAlarm = graphql(`
  mutation OpsAcknowledgeAlarm($input: AcknowledgeAlarmInput!) {
    acknowledgeAlarm(input: $input) { alarm { id status } errors { field message code } }
  }
`);

/** Close an alarm by hand with the required outcome and note. */
export const OpsClearAlarm = graphql(`
  mutation OpsClearAlarm($input: ClearAlarmInput!) {
    clearAlarm(input: $input) { alarm { id status outcome } errors { field message code } }
  }
`);

/** Comment on an alarm. */
export const OpsCommentOnAlarm = graphql(`
  mutation OpsCommentOnAlarm($input: CommentOnAlarmInput!) {
    commentOnAlarm(input: $input) { comment { author text createdAt } errors { field message code } }
  }
`);

/** Alarm changes as they happen. */
export const OpsAlarmChanged = graphql(`
  subscription OpsAlarmChanged {
    alarmChanged { change alarm { id status severity message } }
  }
`);
