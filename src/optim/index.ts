export { Optimizer, type ParamGroup, type ParamGroupSpec, type OptimizerStateDict } from './optimizer.ts';
export { SGD, type SGDOptions } from './sgd.ts';
export { Adam, AdamW, type AdamOptions } from './adam.ts';
export * as lrScheduler from './lr_scheduler.ts';
