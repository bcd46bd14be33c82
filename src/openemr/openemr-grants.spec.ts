import { grantMissingFrom, OpenEmrGrantMissing } from './openemr-grants';

/** A driver error as TypeORM wraps it: the code and MariaDB's own words. */
function refused(code: string, message: string): Error {
  return Object.assign(new Error(message), { driverError: { code, message } });
}

describe('grantMissingFrom', () => {
  it("names the privilege and the table from MariaDB's refusal, without the user or database", () => {
    const missing = grantMissingFrom(
      refused(
        'ER_TABLEACCESS_DENIED_ERROR',
        "INSERT command denied to user 'vigil'@'10.0.0.5' for table `openemr`.`pnotes`",
      ),
    );
    expect(missing).toBeInstanceOf(OpenEmrGrantMissing);
    expect(missing).toMatchObject({ privilege: 'INSERT', table: 'pnotes' });
    expect(missing!.message).toBe(
      "OpenEMR's database user lacks INSERT on pnotes: GRANT INSERT ON <openemr database>.pnotes TO <Vigil's OpenEMR user> (deploy/mariadb/openemr-user.sql lists every grant)",
    );
  });

  it("reads MySQL's older quoting and a column-level refusal", () => {
    expect(
      grantMissingFrom(
        refused(
          'ER_TABLEACCESS_DENIED_ERROR',
          "SELECT command denied to user 'vigil'@'localhost' for table 'dated_reminders'",
        ),
      ),
    ).toMatchObject({ privilege: 'SELECT', table: 'dated_reminders' });
    expect(
      grantMissingFrom(
        refused(
          'ER_COLUMNACCESS_DENIED_ERROR',
          "UPDATE command denied to user 'vigil'@'localhost' for column 'body' in table 'pnotes'",
        ),
      ),
    ).toMatchObject({ privilege: 'UPDATE', table: 'pnotes' });
  });

  it('says what it can of a refusal it cannot read, and leaves every other error alone', () => {
    expect(
      grantMissingFrom(
        refused('ER_DBACCESS_DENIED_ERROR', "Access denied for user 'vigil'@'%' to database 'x'"),
      )?.message,
    ).toMatch(/^OpenEMR's database user lacks a privilege on OpenEMR's database: /);
    expect(grantMissingFrom(refused('ER_NO_SUCH_TABLE', "Table 'x.pnotes' doesn't exist"))).toBe(
      null,
    );
    expect(grantMissingFrom(new Error('anything'))).toBe(null);
  });
});
