import { isStill, MovingMinutes } from './resting-heart-rate';

describe('still minutes', () => {
  it('are those with no step in the minute itself or the 10 before it', () => {
    const moving = new MovingMinutes([1000, 980, 1000, 500]);
    // 1000 is moving: it and the ten minutes after it are not still.
    for (let minute = 1000; minute <= 1010; minute++) expect(isStill(minute, moving)).toBe(false);
    expect(isStill(1011, moving)).toBe(true);
    expect(isStill(999, moving)).toBe(true);
    expect(isStill(990, moving)).toBe(false);
    expect(isStill(991, moving)).toBe(true);
    expect(isStill(979, moving)).toBe(true);
    expect(isStill(510, moving)).toBe(false);
    expect(isStill(511, moving)).toBe(true);
    expect(isStill(499, moving)).toBe(true);
    expect(isStill(Number.MAX_SAFE_INTEGER, moving)).toBe(true);
  });

  it('are every minute when nothing moved', () => {
    expect(isStill(42, new MovingMinutes([]))).toBe(true);
  });
});
