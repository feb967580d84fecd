/** The case as the case page loads it (CasesCase), shared by its panels. */
import type { CasesCaseQuery } from "@/gql/graphql";

/** One mediation case with its sessions, agreement, signatures and return visits. */
export type MediationCase = NonNullable<CasesCaseQuery["mediationCase"]>;
