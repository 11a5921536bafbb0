// jstat ships no declaration; this is the one function swarmsim calls (sim/sweep/compare.ts).
declare module 'jstat' {
  const jStat: {
    studentt: {
      /** The quantile of Student's t distribution with `dof` degrees of freedom. */
      inv(p: number, dof: number): number;
    };
  };
  export default jStat;
}
