/** GraphQL operations of the mediation screens (prefix Cases). */
import { graphql } from "@/gql";

export const CasesMediationCases = graphql(`
  query CasesMediationCases($state: CaseState, $after: String) {
    mediationCases(first: 50, after: $after, state: $state) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node { id title documentNumber state category openedAt openTooLong escalated mediatorUsername studio { name } }
      }
    }
  }
`);

export const CasesCase = graphql(`
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
`);

export const CasesCaseDocuments = graphql(`
  query CasesCaseDocuments($caseId: ID!) {
    mediationDocuments(caseId: $caseId) {
      agreement { url contentType }
      archive { url contentType }
    }
  }
`);

export const CasesRecordSession = graphql(`
  mutation CasesRecordSession($input: RecordMediationSessionInput!) {
    recordMediationSession(input: $input) { case { id } errors { field message code } }
  }
`);

export const CasesDraftAgreement = graphql(`
  mutation CasesDraftAgreement($input: DraftAgreementInput!) {
    draftAgreement(input: $input) { case { id } errors { field message code } }
  }
`);

export const CasesSignAgreement = graphql(`
  mutation CasesSignAgreement($input: SignAgreementInput!) {
    signAgreement(input: $input) { case { id } errors { field message code } }
  }
`);

export const CasesSealAgreement = graphql(`
  mutation CasesSealAgreement($input: SealAgreementInput!) {
    sealAgreement(input: $input) { case { id } errors { field message code } }
  }
`);

export const CasesScheduleVisit = graphql(`
  mutation CasesScheduleVisit($input: ScheduleReturnVisitInput!) {
    scheduleReturnVisit(input: $input) { returnVisit { id } errors { field message code } }
  }
`);

export const CasesRecordVisit = graphql(`
  mutation CasesRecordVisit($input: RecordReturnVisitInput!) {
    recordReturnVisit(input: $input) { returnVisit { id doneOn } errors { field message code } }
  }
`);

export const CasesCaseLive = graphql(`
  subscription CasesCaseLive($id: ID!) {
    mediationCaseChanged(caseId: $id) { id state }
  }
`);
