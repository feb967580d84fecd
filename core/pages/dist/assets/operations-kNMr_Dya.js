import{g as e}from"./app-DRlGgNAK.js";const t=e(`
  query CasesMediationCases($state: CaseState, $after: String) {
    mediationCases(first: 50, after: $after, state: $state) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node { id title documentNumber state category openedAt openTooLong escalated mediatorUsername studio { name } }
      }
    }
  }
`),a=e(`
  query CasesCase($id: ID!) {
    mediationCase(id: $id) {
      id title documentNumber description state category source referredBy openedAt concludedAt closedAt openTooLong escalated mediatorUsername
      studio { name committee { name } }
      parties { role answer resident { id name } }
      places { building { name } unit { number } }
      history { actor reason at fromState toState }
      sessions { heldOn participants notes recordedBy }
      returnVisits { id dueOn doneOn notes overdue }
      agreement {
        oral facts disputedPoints terms performance performBy effectiveOn sealedAt sealedBy inEffect
        sealCommittee { name }
        signatures { recordedBy signedAt mediatorUsername resident { id name } }
      }
    }
  }
`),n=e(`
  query CasesCaseDocuments($caseId: ID!) {
    mediationDocuments(caseId: $caseId) {
      agreement { url contentType }
      archive { url contentType }
    }
  }
`),i=e(`
  mutation CasesRecordSession($input: RecordMediationSessionInput!) {
    recordMediationSession(input: $input) { case { id } errors { field message code } }
  }
`),r=e(`
  mutation CasesDraftAgreement($input: DraftAgreementInput!) {
    draftAgreement(input: $input) { case { id } errors { field message code } }
  }
`),o=e(`
  mutation CasesSignAgreement($input: SignAgreementInput!) {
    signAgreement(input: $input) { case { id } errors { field message code } }
  }
`),d=e(`
  mutation CasesSealAgreement($input: SealAgreementInput!) {
    sealAgreement(input: $input) { case { id } errors { field message code } }
  }
`),u=e(`
  mutation CasesScheduleVisit($input: ScheduleReturnVisitInput!) {
    scheduleReturnVisit(input: $input) { returnVisit { id } errors { field message code } }
  }
`),c=e(`
  mutation CasesRecordVisit($input: RecordReturnVisitInput!) {
    recordReturnVisit(input: $input) { returnVisit { id doneOn } errors { field message code } }
  }
`),m=e(`
  subscription CasesCaseLive($id: ID!) {
    mediationCaseChanged(caseId: $id) { id state }
  }
`);export{t as C,r as a,o as b,d as c,n as d,u as e,c as f,i as g,m as h,a as i};
