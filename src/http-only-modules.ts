import { BacktestModule } from './backtest/backtest.module';
import { OpenEmrSignInModule } from './auth/openemr-sign-in/openemr-sign-in.module';
import { RuleQualityModule } from './rule-quality/rule-quality.module';
import { WebModule } from './web/web.module';
import { InboxModule } from './web/inbox/inbox.module';
import { EnrollmentsPageModule } from './web/enrollments/enrollments-page.module';
import { PatientPageModule } from './web/patient/patient-page.module';
import { RuleEditorModule } from './web/rule-editor/rule-editor.module';
import { RuleQualityPageModule } from './web/rule-quality/rule-quality-page.module';

/**
 * Features that only answer requests: staff pages, backtests, rule quality,
 * OpenEMR sign-in. They hold no background work, so a worker (ROLE=worker)
 * leaves them out, and AppModule loads this file only where HTTP is served:
 * their code is not in a worker's memory.
 */
export const HTTP_ONLY_MODULES = [
  OpenEmrSignInModule,
  BacktestModule,
  RuleQualityModule,
  WebModule,
  InboxModule,
  EnrollmentsPageModule,
  PatientPageModule,
  RuleEditorModule,
  RuleQualityPageModule,
];
