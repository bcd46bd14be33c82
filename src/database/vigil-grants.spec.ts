import { missingPrivileges, VIGIL_PRIVILEGES } from './vigil-grants';

describe("Vigil's own database grants", () => {
  it('needs nothing more when every documented privilege is held', () => {
    expect(missingPrivileges(VIGIL_PRIVILEGES)).toEqual([]);
  });

  it('needs nothing more with ALL PRIVILEGES', () => {
    expect(missingPrivileges(['ALL PRIVILEGES', 'USAGE'])).toEqual([]);
  });

  it('names each missing privilege, rows before schema rights', () => {
    expect(missingPrivileges(['SELECT', 'insert', 'UPDATE', 'CREATE', 'INDEX'])).toEqual([
      'DELETE',
      'ALTER',
      'DROP',
      'REFERENCES',
    ]);
  });

  it('names all of them for a user with USAGE only', () => {
    expect(missingPrivileges(['USAGE'])).toEqual([...VIGIL_PRIVILEGES]);
  });
});
