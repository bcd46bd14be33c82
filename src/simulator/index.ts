/** Public surface of the Google Health API simulator, for tests, the demo and benchmarks. */
export { DEFAULT_CLIENT, startSimulator } from './server';
export type { RequestStats, Simulator, SimulatorOptions } from './server';
export { demoScenarios, parseScenario } from './scenarios';
export type { Scenario, ScenarioKind } from './scenarios';
export type { Fault, FaultKind, FaultSpec, FaultTarget } from './faults';
export { ALL_SCOPES, DATA_TYPES, SCOPES } from './data-types';
export type { SimulatedDataTypeId } from './data-types';
export { SIGNATURE_HEADER } from './webhooks';
export type { TinkPublicKeyset, WebhookNotification } from './webhooks';
export type { OAuthClient, TokenResponse } from './oauth';
export { consentAsPatient, googleSettingsFor } from './simulated-patient';
export type { ConsentChoice } from './simulated-patient';
