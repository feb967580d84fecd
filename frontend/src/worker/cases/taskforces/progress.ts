/** A task force's progress (per department and category) summed per department. */

/** Findings of one department counted by state. */
export interface DepartmentProgress {
  department: string;
  open: number;
  notified: number;
  rectified: number;
  verified: number;
  total: number;
  overdue: number;
}

type Row = Omit<DepartmentProgress, "department"> & { department: string; category: string };

/** ``rows`` summed per department, in the task force's order of ``departments`` (departments
 *  without findings included, with zeros). */
export function byDepartment(rows: readonly Row[], departments: readonly string[]): DepartmentProgress[] {
  const sums = new Map<string, DepartmentProgress>(
    departments.map((department) => [department, { department, open: 0, notified: 0, rectified: 0, verified: 0, total: 0, overdue: 0 }]),
  );
  for (const row of rows) {
    const sum = sums.get(row.department) ?? { department: row.department, open: 0, notified: 0, rectified: 0, verified: 0, total: 0, overdue: 0 };
    sum.open += row.open;
    sum.notified += row.notified;
    sum.rectified += row.rectified;
    sum.verified += row.verified;
    sum.total += row.total;
    sum.overdue += row.overdue;
    sums.set(row.department, sum);
  }
  return [...sums.values()];
}
