/** A clock the test moves by hand, so a fake's limits, hours and token expiries are crossed without sleeping. */
export function manualClock(iso: string) {
  let nowMs = Date.parse(iso);
  return {
    now: () => new Date(nowMs),
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}
