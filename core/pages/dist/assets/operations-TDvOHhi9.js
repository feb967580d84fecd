import{g as e}from"./app-DRlGgNAK.js";const a=e(`
  query CasesBallots($status: BallotStatus) {
    ballots(first: 100, status: $status) {
      edges {
        node {
          id title status rule electorate opensAt closesAt
          compound { name }
          convenor { name }
          turnout { eligibleOwners participatingOwners eligibleArea participatingArea }
        }
      }
    }
  }
`),s=e(`
  query CasesBallot($id: ID!) {
    ballot(id: $id) {
      id title matter status rule electorate opensAt closesAt
      compound { name }
      convenor { name }
      buildings { id name }
      stairwells { stairwell building { id } }
      turnout { eligibleOwners participatingOwners eligibleArea participatingArea }
      result { passed quorumMet agreeOwners opposeOwners abstainOwners reasonsZh reasons }
    }
  }
`),n=e(`
  query CasesBallotUnits($buildingId: ID!, $after: String) {
    units(first: 50, after: $after, buildingId: $buildingId) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id number stairwell area
          owners { name }
          ballots {
            ballot { id }
            vote { channel castAt proxy { name idCardMasked } attachment { name size } }
          }
        }
      }
    }
  }
`),i=e(`
  mutation CasesRecordVote($input: RecordVoteInput!) {
    recordVote(input: $input) {
      votes { channel castAt unit { id number } proxy { name idCardMasked } attachment { name size contentType } }
      errors { field message code }
    }
  }
`),o=e(`
  subscription CasesBallotLive($id: ID!) {
    ballotChanged(ballotId: $id) { id status }
  }
`);export{a as C,n as a,i as b,o as c,s as d};
