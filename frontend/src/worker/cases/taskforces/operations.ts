/** GraphQL operations of the task-force screen (prefix Cases). */
import { graphql } from "@/gql";

export const CasesTaskForces = graphql(`
  query CasesTaskForces {
    taskForces {
      id name startedOn departments
      compound { name }
      progress { department category open notified rectified verified total overdue }
    }
  }
`);

export const CasesFindings = graphql(`
  query CasesFindings($id: ID!, $department: Department!, $after: String) {
    taskForce(id: $id) {
      id
      findings(first: 50, after: $after, department: $department) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          node { id location description deadline category status overdue building { name } unit { number } case { id state } }
        }
      }
    }
  }
`);

export const CasesTaskForceLive = graphql(`
  subscription CasesTaskForceLive {
    taskForceChanged { id }
  }
`);
