import { topologyRowSuite } from './support/row-suite.ts';

topologyRowSuite('H1');
