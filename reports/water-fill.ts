/**
 * Water-filling in whole units: `amount` shared among members with loads `loads`, each
 * taking at most its cap, so that the sum of squared final loads is lowest. The members
 * least loaded fill first, to a common level; what a cap stops goes to the others.
 */
export function waterFill(loads: readonly number[], caps: readonly number[], amount: number): number[] {
  const n = loads.length;
  const given = (level: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.min(caps[i], Math.max(0, level - loads[i]));
    return sum;
  };
  let low = Math.min(...loads);
  let high = Math.max(...loads) + amount;
  // Halving a span of at most the loads plus the amount: 60 steps reach below one unit.
  for (let step = 0; step < 60 && high - low > 1e-9; step++) {
    const mid = (low + high) / 2;
    if (given(mid) >= amount) high = mid;
    else low = mid;
  }
  const shares = loads.map((load, i) => Math.min(caps[i], Math.max(0, Math.floor(high - load))));
  let left = amount - shares.reduce((a, b) => a + b, 0);
  // Rounding leaves a few units short (or, at exact levels, over): one each to the least
  // loaded with room (off the most loaded). The caller gives no more than the caps hold.
  const order = shares.map((_, i) => i).sort((a, b) => loads[a] + shares[a] - (loads[b] + shares[b]));
  while (left > 0) {
    const before = left;
    for (const i of order) {
      if (left === 0) break;
      if (shares[i] < caps[i]) {
        shares[i]++;
        left--;
      }
    }
    if (left === before) throw new Error(`${amount} units to share among caps of ${caps.reduce((a, b) => a + b, 0)}`);
  }
  for (let k = n - 1; k >= 0 && left < 0; k--) {
    const less = Math.min(-left, shares[order[k]]);
    shares[order[k]] -= less;
    left += less;
  }
  return shares;
}
