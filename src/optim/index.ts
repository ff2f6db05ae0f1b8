export { SGD } from './sgd.ts';
