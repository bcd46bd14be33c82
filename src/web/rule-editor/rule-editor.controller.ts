import { Controller, Get, Param, Req, Res, UseFilters } from '@nestjs/common';
import { StaffPageErrors } from '../page-errors.filter';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../../auth/access.guard';
import { ANY_STAFF, Roles } from '../../auth/access.decorators';
import type { StaffRole } from '../../auth/roles';
import { Environment } from '../../config/environment';
import { RulesService } from '../../rules/rules.service';
import { ruleId } from '../../rules/rules.controller';
import type { SafeHtml } from '../html';
import { sendStaffPage } from '../staff-responses';
import { viewerOf } from '../viewer';
import { newRuleBody, ruleBody, rulesListBody } from './rule-editor.view';

/** Who may change rules: the same roles as the rules API's writes. */
const AUTHORS: StaffRole[] = ['admin', 'clinician'];

const EDITOR_SCRIPTS = ['/assets/chart.umd.js', '/assets/rule-editor.js'];

/** Rule list, editor with live validation and backtest preview, overrides and version history. */
@ApiExcludeController()
@UseFilters(StaffPageErrors)
@Controller('rules')
export class RuleEditorController {
  constructor(
    private readonly rules: RulesService,
    private readonly env: Environment,
  ) {}

  @Get()
  @Roles(...ANY_STAFF)
  async list(@Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    const canEdit = this.canEdit(req);
    this.send(req, res, 'Rules', rulesListBody(await this.rules.list(), canEdit));
  }

  // Declared before :id so "new" is never read as a rule id.
  @Get('new')
  @Roles(...AUTHORS)
  create(@Req() req: AuthenticatedRequest, @Res() res: Response): void {
    this.send(req, res, 'New rule', newRuleBody(this.env.CLINIC_TIME_ZONE), EDITOR_SCRIPTS);
  }

  @Get(':id')
  @Roles(...ANY_STAFF)
  async edit(
    @Param('id') id: string,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    ruleId(id);
    const [rule, versions] = await Promise.all([this.rules.get(id), this.rules.history(id)]);
    const canEdit = this.canEdit(req);
    this.send(
      req,
      res,
      rule.definition.title,
      ruleBody(rule, versions, canEdit, this.env.CLINIC_TIME_ZONE),
      canEdit ? EDITOR_SCRIPTS : [],
    );
  }

  private canEdit(req: AuthenticatedRequest): boolean {
    return AUTHORS.includes(viewerOf(req).role as StaffRole);
  }

  private send(
    req: AuthenticatedRequest,
    res: Response,
    title: string,
    body: SafeHtml,
    scripts: string[] = [],
  ): void {
    sendStaffPage(req, res, this.env.CLINIC_NAME, {
      status: 200,
      title,
      section: 'rules',
      body,
      scripts,
    });
  }
}
