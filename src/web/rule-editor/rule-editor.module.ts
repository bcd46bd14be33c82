import { Module } from '@nestjs/common';
import { RulesModule } from '../../rules/rules.module';
import { RuleEditorController } from './rule-editor.controller';

@Module({ imports: [RulesModule], controllers: [RuleEditorController] })
export class RuleEditorModule {}
