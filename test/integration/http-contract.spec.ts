import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import request from 'supertest';
import { Public, Roles } from '../../src/auth/access.decorators';
import { AccessGuard } from '../../src/auth/access.guard';
import { ApiTokens } from '../../src/auth/api-tokens';
import { StaffSessions } from '../../src/auth/staff-sessions';
import { configureHttp } from '../../src/bootstrap';
import { loadEnvironment } from '../../src/config/environment';
import { KeyRing } from '../../src/crypto/key-ring';
import { JsonLogger } from '../../src/logging/json-logger';
import { LogCapture } from '../support/log-capture';

const LEAKY_TOKEN = 'vgl_leakyLeakyLeakyLeakyLeakyLeaky0123';

class Medication {
  @IsString() name!: string;
  @IsInt() @Min(1) doseMg!: number;
}
class Plan {
  @IsInt() pid!: number;
  @ValidateNested({ each: true }) @Type(() => Medication) medications!: Medication[];
}

@Controller('probe')
class ProbeController {
  @Get('undeclared')
  undeclared(): string {
    return 'should never be seen';
  }

  @Get('staff-only')
  @Roles('staff')
  staffOnly(): string {
    return 'ok';
  }

  @Post('plan')
  @Public()
  plan(@Body() plan: Plan): Plan {
    return plan;
  }

  @Get('boom')
  @Public()
  boom(): never {
    throw new Error(`upstream refused ${LEAKY_TOKEN} with Bearer ya29.secretAccessToken`);
  }
}

/** Stands in for the token table: the guard, not the store, is under test here. */
const fakeTokens = {
  authenticate: async (token: string) =>
    token === 'vgl_staffstaffstaffstaff' ? { id: 1, name: 'desk', role: 'staff' } : null,
};

@Module({
  controllers: [ProbeController],
  providers: [
    { provide: ApiTokens, useValue: fakeTokens },
    { provide: StaffSessions, useValue: { resolve: async () => null } },
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
})
class ProbeModule {}

describe('HTTP contract shared by every route', () => {
  let app: NestExpressApplication;
  const logs = new LogCapture();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
    const logger = new JsonLogger('debug', logs.write);
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger, bodyParser: false });
    configureHttp(app, loadEnvironment({ ENCRYPTION_KEYS: KeyRing.generateEntry('t') }), logger);
    await app.init();
  });
  afterAll(() => app.close());

  it('refuses a route that declares no roles, even to a valid token', async () => {
    await request(app.getHttpServer()).get('/probe/undeclared').expect(401);
    const res = await request(app.getHttpServer())
      .get('/probe/undeclared')
      .auth('vgl_staffstaffstaffstaff', { type: 'bearer' })
      .expect(403);
    expect(res.text).not.toContain('should never be seen');
  });

  it('lets a declared role through', async () => {
    await request(app.getHttpServer())
      .get('/probe/staff-only')
      .auth('vgl_staffstaffstaffstaff', { type: 'bearer' })
      .expect(200, 'ok');
  });

  it('lists every invalid field by its path, and unknown fields too', async () => {
    const res = await request(app.getHttpServer())
      .post('/probe/plan')
      .send({
        pid: 'seven',
        medications: [
          { name: 'a', doseMg: 5 },
          { name: 3, doseMg: 0 },
        ],
        extra: 1,
      })
      .expect(400);
    expect(res.body.code).toBe('invalid_request');
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'pid', message: 'pid must be an integer number' },
        { path: 'medications[1].name', message: 'name must be a string' },
        { path: 'medications[1].doseMg', message: 'doseMg must not be less than 1' },
        { path: 'extra', message: 'property extra should not exist' },
      ]),
    );
  });

  it('refuses a body in a type it does not read with 415, instead of reading it as empty', async () => {
    const plan = JSON.stringify({ pid: 7, medications: [] });
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await request(app.getHttpServer())
        .post('/probe/plan')
        .set('content-type', type)
        .send(plan)
        .expect(415);
      expect(res.body).toMatchObject({ status: 415, code: 'unsupported_media_type' });
      expect(res.body.message).toBe(
        `The request body is ${type.split(';')[0]}; send application/json (or a form, application/x-www-form-urlencoded)`,
      );
    }
    // A body-less POST needs no type; JSON with a charset is JSON.
    await request(app.getHttpServer()).post('/probe/plan').expect(400);
    await request(app.getHttpServer())
      .post('/probe/plan')
      .set('content-type', 'application/json; charset=utf-8')
      .send(plan)
      .expect(201);
  });

  it('says what is wrong with a body that is not JSON, and that it is the body', async () => {
    const send = (text: string) =>
      request(app.getHttpServer())
        .post('/probe/plan')
        .set('content-type', 'application/json')
        .send(text)
        .expect(400);
    expect((await send('{bad')).body.message).toMatch(
      /^The request body is not valid JSON: .*position 1\b/,
    );
    for (const text of ['null', '"text"', '42'])
      expect([text, (await send(text)).body.message]).toEqual([
        text,
        'The request body must be a JSON object (or a list), not a bare value',
      ]);
  });

  it('turns an unexpected error into a plain 500 and keeps its secrets out of the log', async () => {
    const res = await request(app.getHttpServer())
      .get('/probe/boom')
      .set('Authorization', `Bearer ${LEAKY_TOKEN}`)
      .expect(500);
    expect(res.body).toMatchObject({ status: 500, code: 'internal_error' });
    expect(JSON.stringify(res.body)).not.toContain('upstream');
    const errorLine = logs.lines.map((l) => JSON.parse(l)).find((l) => l.level === 'error');
    expect(errorLine.msg).toContain('upstream refused [redacted]');
    expect(errorLine.requestId).toBe(res.body.requestId);
    expect(logs.text).not.toContain(LEAKY_TOKEN);
    expect(logs.text).not.toContain('ya29.secretAccessToken');
  });
});
