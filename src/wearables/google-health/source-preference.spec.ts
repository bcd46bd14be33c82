import { DataTypeId } from './data-types';
import { parseDataPointsPage, PointsByDataType } from './points';
import { preferFitbitRecorded } from './source-preference';
import {
  ApiJson,
  at,
  heartRatePoint,
  page,
  restingHeartRatePoint,
  sleepPoint,
  stepsPoint,
} from './test-points';

function typed<K extends DataTypeId>(type: K, points: ApiJson[]): PointsByDataType[K][] {
  return parseDataPointsPage(type, page(points)).points;
}

const night = (platform: string, startLocal: string, endLocal: string, asleep: number) =>
  sleepPoint({ start: at(startLocal, -5), end: at(endLocal, -5), asleep, awake: 30 }, platform);

describe('preferFitbitRecorded', () => {
  it('drops a mirrored night that overlaps a Fitbit night, keeps one that does not', () => {
    const sleep = typed('sleep', [
      night('HEALTH_KIT', '2026-11-09T22:31', '2026-11-10T06:29', 415),
      night('FITBIT', '2026-11-09T22:30', '2026-11-10T06:30', 420),
      night('HEALTH_KIT', '2026-11-10T13:00', '2026-11-10T13:40', 35),
    ]);
    const kept = preferFitbitRecorded({ sleep }).sleep ?? [];
    expect(kept.map((s) => [s.platform, s.minutesAsleep])).toEqual([
      ['FITBIT', 420],
      ['HEALTH_KIT', 35],
    ]);
  });

  it('keeps mirrored data when Fitbit recorded nothing, and other sources always', () => {
    const sleep = typed('sleep', [
      night('HEALTH_CONNECT', '2026-11-09T22:30', '2026-11-10T06:30', 400),
      night('GOOGLE_WEB_API', '2026-11-09T23:00', '2026-11-10T06:00', 380),
    ]);
    expect(preferFitbitRecorded({ sleep }).sleep).toHaveLength(2);
  });

  it('drops mirrored samples at the same second only', () => {
    const samples = typed('heart-rate', [
      heartRatePoint(at('2026-11-10T08:00:05', -5), 70, 'FITBIT'),
      heartRatePoint(at('2026-11-10T08:00:05', -5), 70, 'HEALTH_KIT'),
      heartRatePoint(at('2026-11-10T08:00:06', -5), 71, 'HEALTH_KIT'),
    ]);
    const kept = preferFitbitRecorded({ 'heart-rate': samples })['heart-rate'] ?? [];
    expect(kept.map((p) => [p.platform, p.beatsPerMinute])).toEqual([
      ['FITBIT', 70],
      ['HEALTH_KIT', 71],
    ]);
  });

  it('drops mirrored daily readings of a date Fitbit covered', () => {
    const readings = typed('daily-resting-heart-rate', [
      restingHeartRatePoint('2026-11-10', 61, 'HEALTH_KIT'),
      restingHeartRatePoint('2026-11-10', 58, 'FITBIT'),
      restingHeartRatePoint('2026-11-11', 60, 'HEALTH_KIT'),
    ]);
    const kept = preferFitbitRecorded({ 'daily-resting-heart-rate': readings })[
      'daily-resting-heart-rate'
    ];
    expect(kept?.map((r) => [r.date, r.beatsPerMinute])).toEqual([
      ['2026-11-10', 58],
      ['2026-11-11', 60],
    ]);
  });

  it('drops mirrored step intervals overlapping any of several Fitbit intervals', () => {
    const steps = typed('steps', [
      stepsPoint(at('2026-11-10T08:00', -5), 30, 1, 'FITBIT'),
      stepsPoint(at('2026-11-10T08:01', -5), 40, 1, 'FITBIT'),
      stepsPoint(at('2026-11-10T08:05', -5), 10, 1, 'FITBIT'),
      stepsPoint(at('2026-11-10T08:00', -5), 70, 2, 'HEALTH_KIT'),
      stepsPoint(at('2026-11-10T08:02', -5), 25, 3, 'HEALTH_KIT'),
      stepsPoint(at('2026-11-10T08:04', -5), 12, 2, 'HEALTH_KIT'),
    ]);
    const kept = preferFitbitRecorded({ steps }).steps ?? [];
    expect(kept.map((s) => [s.platform, s.count])).toEqual([
      ['FITBIT', 30],
      ['FITBIT', 40],
      ['FITBIT', 10],
      ['HEALTH_KIT', 25],
    ]);
  });

  it('leaves types that were not fetched absent', () => {
    expect(preferFitbitRecorded({ steps: [] })).toEqual({ steps: [] });
  });
});
