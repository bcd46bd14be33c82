import { parseRoleMap, roleFromGroups } from './role-mapping';

describe('OpenEMR role mapping', () => {
  const defaults = parseRoleMap('admin=admin,doc=clinician,clin=clinician,front=staff,back=staff');

  it('maps the default OpenEMR ACL groups to Vigil roles', () => {
    expect(roleFromGroups(['admin'], defaults)).toBe('admin');
    expect(roleFromGroups(['doc'], defaults)).toBe('clinician');
    expect(roleFromGroups(['clin'], defaults)).toBe('clinician');
    expect(roleFromGroups(['front'], defaults)).toBe('staff');
    expect(roleFromGroups(['back'], defaults)).toBe('staff');
  });

  it('gives a person in several groups the highest role, whatever the order', () => {
    expect(roleFromGroups(['front', 'doc'], defaults)).toBe('clinician');
    expect(roleFromGroups(['clin', 'admin', 'back'], defaults)).toBe('admin');
  });

  it('refuses (null) when no group is mapped', () => {
    expect(roleFromGroups([], defaults)).toBeNull();
    expect(roleFromGroups(['breakglass', 'Admin'], defaults)).toBeNull();
  });

  it('reads a username map with spaces, and keeps the highest role of a repeated key', () => {
    const map = parseRoleMap(' alice=clinician , bob=staff,bob=admin,bob=staff');
    expect([...map]).toEqual([
      ['alice', 'clinician'],
      ['bob', 'admin'],
    ]);
    expect(parseRoleMap(undefined).size).toBe(0);
  });
});
