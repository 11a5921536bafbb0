/** Where `value` goes in the ascending `list`: the index of the first element not below it. */
export function lowerBound(list: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (list[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Where `value` is in the ascending `list`, or -1. */
export function indexIn(list: ArrayLike<number>, value: number): number {
  const at = lowerBound(list, value);
  return at < list.length && list[at] === value ? at : -1;
}
