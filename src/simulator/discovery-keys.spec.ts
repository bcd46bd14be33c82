/**
 * Checks every JSON key the simulator emits, and its JSON type, against the
 * schemas of Google's Discovery document (health:v4, fixtures/ copy).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_TYPES } from './data-types';
import { Simulator, startSimulator } from './server';

interface DiscoveryProperty {
  type?: string;
  format?: string;
  $ref?: string;
  enum?: string[];
  items?: DiscoveryProperty;
}

interface Discovery {
  schemas: Record<string, { properties?: Record<string, DiscoveryProperty> }>;
  resources: {
    users: {
      resources: {
        dataTypes: {
          resources: {
            dataPoints: {
              methods: Record<string, { path: string; parameters: Record<string, unknown> }>;
            };
          };
        };
      };
    };
  };
}

const discovery = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'google-health-discovery-v4.json'), 'utf8'),
) as Discovery;

function checkValue(
  value: unknown,
  property: DiscoveryProperty,
  path: string,
  problems: string[],
): void {
  if (property.$ref) return checkObject(value, property.$ref, path, problems);
  switch (property.type) {
    case 'array':
      if (!Array.isArray(value)) problems.push(`${path}: expected array`);
      else
        value.forEach((item, i) =>
          checkValue(item, property.items ?? {}, `${path}[${i}]`, problems),
        );
      return;
    case 'string':
      if (typeof value !== 'string')
        problems.push(
          `${path}: expected string (${property.format ?? 'text'}), got ${typeof value}`,
        );
      else if (property.enum && !property.enum.includes(value))
        problems.push(`${path}: ${value} not in enum`);
      return;
    case 'number':
    case 'integer':
      if (typeof value !== 'number') problems.push(`${path}: expected number, got ${typeof value}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${path}: expected boolean`);
      return;
    case 'object':
      return;
  }
}

function checkObject(value: unknown, schemaName: string, path: string, problems: string[]): void {
  const properties = discovery.schemas[schemaName]?.properties;
  if (!properties) return void problems.push(`${path}: unknown schema ${schemaName}`);
  if (typeof value !== 'object' || value === null)
    return void problems.push(`${path}: expected ${schemaName} object`);
  for (const [key, child] of Object.entries(value)) {
    const property = properties[key];
    if (!property) problems.push(`${path}.${key}: not a field of ${schemaName}`);
    else checkValue(child, property, `${path}.${key}`, problems);
  }
}

describe('simulator JSON agrees with the Discovery document', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      now: '2026-11-28T15:00:00Z',
      cohortSize: 6,
      historyDays: 20,
      // The messy habits' shapes are checked too; one heart-rate sample a minute keeps it quick.
      heartRateCadenceSeconds: 60,
      scenarios: {
        'sim-1': [
          { kind: 'healthkit-sleep-duplicate' },
          { kind: 'heart-failure-weight-gain', from: '2026-11-20' },
        ],
      },
    });
  });
  afterAll(() => sim.close());

  async function get(path: string): Promise<unknown> {
    const token = sim.grantTokens('sim-1').access_token;
    const response = await fetch(`${sim.url}/v4/users/me/${path}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    return response.json();
  }

  it('flags keys and JSON types the Discovery document does not have', () => {
    const problems: string[] = [];
    checkObject(
      { dataPoints: [{ heartRate: { bpm: '60', beatsPerMinute: 60 } }] },
      'ListDataPointsResponse',
      'x',
      problems,
    );
    expect(problems).toEqual([
      'x.dataPoints[0].heartRate.bpm: not a field of HeartRate',
      'x.dataPoints[0].heartRate.beatsPerMinute: expected string (int64), got number',
    ]);
  });

  it('uses the Discovery document paths for list and reconcile', () => {
    const methods = discovery.resources.users.resources.dataTypes.resources.dataPoints.methods;
    expect(methods.list.path).toBe('v4/{+parent}/dataPoints');
    expect(methods.reconcile.path).toBe('v4/{+parent}/dataPoints:reconcile');
    expect(Object.keys(methods.list.parameters).sort()).toEqual([
      'dataSourceFamily',
      'filter',
      'pageSize',
      'pageToken',
      'parent',
    ]);
  });

  it.each(Object.keys(DATA_TYPES))('emits only Discovery fields for %s', async (dataType) => {
    const body = (await get(`dataTypes/${dataType}/dataPoints?pageSize=25`)) as {
      dataPoints: unknown[];
    };
    expect(body.dataPoints.length).toBeGreaterThan(0);
    const problems: string[] = [];
    checkObject(body, 'ListDataPointsResponse', dataType, problems);
    expect(problems).toEqual([]);
    // The payload sits under the key the Discovery document names for this type.
    const payloadKey = DATA_TYPES[dataType as keyof typeof DATA_TYPES].payloadKey;
    expect(discovery.schemas.DataPoint.properties?.[payloadKey]).toBeDefined();
    expect(
      body.dataPoints.every((p) => typeof p === 'object' && p !== null && payloadKey in p),
    ).toBe(true);

    const reconciled = await get(`dataTypes/${dataType}/dataPoints:reconcile?pageSize=25`);
    const reconcileProblems: string[] = [];
    checkObject(
      reconciled,
      'ReconcileDataPointsResponse',
      `${dataType}:reconcile`,
      reconcileProblems,
    );
    expect(reconcileProblems).toEqual([]);
  });

  it('uses the Discovery document paths, verbs and request fields for the roll-ups', () => {
    const methods = discovery.resources.users.resources.dataTypes.resources.dataPoints
      .methods as Record<string, { path: string; httpMethod?: string }>;
    expect(methods.rollUp).toMatchObject({
      path: 'v4/{+parent}/dataPoints:rollUp',
      httpMethod: 'POST',
    });
    expect(methods.dailyRollUp).toMatchObject({
      path: 'v4/{+parent}/dataPoints:dailyRollUp',
      httpMethod: 'POST',
    });
    // The request fields the simulator reads are the Discovery document's.
    expect(Object.keys(discovery.schemas.RollUpDataPointsRequest.properties ?? {}).sort()).toEqual([
      'dataSourceFamily',
      'pageSize',
      'pageToken',
      'range',
      'windowSize',
    ]);
    expect(
      Object.keys(discovery.schemas.DailyRollUpDataPointsRequest.properties ?? {}).sort(),
    ).toEqual(['dataSourceFamily', 'pageSize', 'pageToken', 'range', 'windowSizeDays']);
  });

  it.each(['heart-rate', 'steps', 'active-minutes', 'weight'])(
    'emits only Discovery fields for %s roll-ups, one value shape per window',
    async (dataType) => {
      const token = sim.grantTokens('sim-1').access_token;
      const post = async (method: string, body: unknown): Promise<unknown> => {
        const response = await fetch(
          `${sim.url}/v4/users/me/dataTypes/${dataType}/dataPoints:${method}`,
          {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          },
        );
        expect(response.status).toBe(200);
        return response.json();
      };
      const payloadKey = DATA_TYPES[dataType as keyof typeof DATA_TYPES].payloadKey;
      const physical = (await post('rollUp', {
        range: { startTime: '2026-11-20T00:00:00Z', endTime: '2026-11-27T00:00:00Z' },
        windowSize: '3600s',
        pageSize: 10000,
      })) as { rollupDataPoints: Record<string, unknown>[] };
      const daily = (await post('dailyRollUp', {
        range: {
          start: { date: { year: 2026, month: 11, day: 10 } },
          end: { date: { year: 2026, month: 11, day: 24 } },
        },
        windowSizeDays: 1,
      })) as { rollupDataPoints: Record<string, unknown>[] };
      const problems: string[] = [];
      checkObject(physical, 'RollUpDataPointsResponse', `${dataType}:rollUp`, problems);
      checkObject(daily, 'DailyRollUpDataPointsResponse', `${dataType}:dailyRollUp`, problems);
      expect(problems).toEqual([]);
      expect(physical.rollupDataPoints).toHaveLength(7 * 24);
      expect(daily.rollupDataPoints).toHaveLength(14);
      const windows = [...physical.rollupDataPoints, ...daily.rollupDataPoints];
      expect(windows.every((w) => Object.keys(w).length === 3 && payloadKey in w)).toBe(true);
      // Something was rolled up in every type (an empty window is an empty object).
      expect(windows.some((w) => Object.keys(w[payloadKey] as object).length > 0)).toBe(true);
    },
  );

  it.each([
    ['identity', 'Identity'],
    ['settings', 'Settings'],
    ['pairedDevices', 'ListPairedDevicesResponse'],
  ])('emits only Discovery fields for %s', async (path, schema) => {
    const problems: string[] = [];
    checkObject(await get(path), schema, path, problems);
    expect(problems).toEqual([]);
  });
});
