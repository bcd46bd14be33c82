import { deviceTypeChange } from './device-change';

describe('a change of device', () => {
  it('is another known type after a known type', () => {
    expect(deviceTypeChange('TRACKER', 'WATCH')).toEqual({ from: 'TRACKER', to: 'WATCH' });
    expect(deviceTypeChange('TRACKER', 'TRACKER')).toBeNull();
  });

  it('is not a first reading, nor a sync that could not read the devices', () => {
    expect(deviceTypeChange(null, 'TRACKER')).toBeNull();
    expect(deviceTypeChange('TRACKER', null)).toBeNull();
  });
});
