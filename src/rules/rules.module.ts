import { Module } from '@nestjs/common';
import { OpenEmrModule } from '../openemr/openemr.module';
import { PatientsModule } from '../patients/patients.module';
import { WearablesModule } from '../wearables/wearables.module';
import { EvaluationTriggers } from './evaluation-triggers';
import { EnrolledPatients, MonitoredPatients } from './monitored-patients';
import { OutcomeRetention } from './outcome-retention';
import { RuleEvaluations } from './rule-evaluations.service';
import { EvaluationsDueRepository } from './evaluations-due.repository';
import { RuleOutcomes } from './rule-outcomes.repository';
import { RuleStore } from './rule-store.repository';
import { RulesInForce } from './rules-in-force';
import { PatientRulesController, RulesController } from './rules.controller';
import { RulesService } from './rules.service';

@Module({
  imports: [OpenEmrModule, PatientsModule, WearablesModule],
  providers: [
    RuleStore,
    RulesInForce,
    RuleOutcomes,
    RulesService,
    RuleEvaluations,
    EvaluationsDueRepository,
    EvaluationTriggers,
    OutcomeRetention,
    { provide: MonitoredPatients, useClass: EnrolledPatients },
  ],
  controllers: [RulesController, PatientRulesController],
  exports: [
    RulesService,
    RuleEvaluations,
    RuleOutcomes,
    MonitoredPatients,
    RuleStore,
    RulesInForce,
    EvaluationsDueRepository,
  ],
})
export class RulesModule {}
