/**
 * A refused mutation as one sentence that names the field in the user's language:
 * a payload's `errors` (UserError with `field`) or a GraphQL error with `extensions.field`.
 */
import { i18n } from "@/i18n";
import { GraphQLFailure } from "@/lib/graphql";

/** One error the server gave, with the input field at fault when there is one. */
export interface FieldError {
  field?: string | null;
  message: string;
  code?: string | null;
}

/** The label of an input field (e.g. "proxy.idCard" → 受托人身份证号), or the field itself. */
export function fieldLabel(field: string): string {
  const key = `cases.fields.${field.replace(/\./g, "_")}`;
  return i18n.global.te(key) ? i18n.global.t(key) : field;
}

/** The message of ``error`` in the user's language when the catalogue has one for its field
 *  and code (cases.fieldErrors.{field}), else the server's own. */
function message(error: FieldError): string {
  const key = error.field ? `cases.fieldErrors.${error.field.replace(/\./g, "_")}` : "";
  return key && i18n.global.te(key) ? i18n.global.t(key) : error.message;
}

/** ``errors`` as one line: "受托人身份证号：身份证号码无效…". */
export function describeErrors(errors: FieldError[]): string {
  return errors.map((error) => (error.field ? `${fieldLabel(error.field)}：${message(error)}` : error.message)).join("；");
}

/** A thrown failure (GraphQLFailure or other) as one line naming the field. */
export function describeFailure(failure: unknown): string {
  if (failure instanceof GraphQLFailure) {
    return describeErrors(failure.errors.map((error) => ({ field: error.extensions?.field ?? null, message: error.message })));
  }
  return failure instanceof Error ? failure.message : String(failure);
}
