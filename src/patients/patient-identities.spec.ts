import type { OpenEmrPatientIdentity } from '../openemr/patient-identities';
import {
  IDENTITY_CACHE_MS,
  identityWords,
  NAMELESS,
  NO_OPENEMR,
  NOT_IN_OPENEMR,
  OPENEMR_UNREACHABLE,
  PatientIdentities,
} from './patient-identities';

const WEI: OpenEmrPatientIdentity = {
  pid: 4,
  fname: 'Wei',
  lname: 'Chen',
  dob: '1963-01-30',
  pubpid: '1004',
};

function source(rows: OpenEmrPatientIdentity[]) {
  const calls: number[][] = [];
  let down = false;
  return {
    calls,
    setDown: (value: boolean) => (down = value),
    read: async (pids: readonly number[]) => {
      calls.push([...pids]);
      if (down) throw new Error('connect ECONNREFUSED');
      return new Map(rows.filter((r) => pids.includes(r.pid)).map((r) => [r.pid, r]));
    },
  };
}

describe('PatientIdentities', () => {
  it('names the patient with date of birth and chart number, read once per minute', async () => {
    let now = 1_000_000;
    const oe = source([WEI]);
    const identities = new PatientIdentities(oe, () => now);
    const wei = await identities.one(4);
    expect(wei).toEqual({
      pid: 4,
      name: 'Wei Chen',
      dateOfBirth: '1963-01-30',
      chartNumber: '1004',
      problem: null,
    });
    expect(identityWords(wei)).toBe('Wei Chen, born 1963-01-30, chart 1004, pid 4');
    await identities.of([4, 4]);
    expect(oe.calls).toEqual([[4]]);
    now += IDENTITY_CACHE_MS;
    await identities.one(4);
    expect(oe.calls).toEqual([[4], [4]]);
  });

  it('says why a name is missing: not configured, unreachable (not cached), unknown, blank', async () => {
    expect((await new PatientIdentities(null).one(4)).problem).toBe(NO_OPENEMR);

    const oe = source([{ ...WEI, pid: 5, fname: ' ', lname: '', pubpid: '' }]);
    const identities = new PatientIdentities(oe);
    oe.setDown(true);
    const down = await identities.one(4);
    expect(down).toMatchObject({ name: null, problem: OPENEMR_UNREACHABLE });
    expect(identityWords(down)).toBe(`Patient 4 (${OPENEMR_UNREACHABLE})`);
    oe.setDown(false);
    const again = await identities.of([4, 5]);
    expect(again.get(4)!.problem).toBe(NOT_IN_OPENEMR);
    expect(again.get(5)).toMatchObject({ name: null, chartNumber: null, problem: NAMELESS });
  });
});
