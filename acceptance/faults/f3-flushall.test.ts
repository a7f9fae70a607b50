import { faultRowSuite } from './support/row-suite.ts';

faultRowSuite('F3');
