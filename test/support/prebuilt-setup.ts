/** setupFiles: the test file's spawners use the run's pre-built programs (test/support/prebuilt-programs.ts). */
import { inject } from 'vitest';
import { usePrebuiltPrograms } from '../../src/service/programs.ts';

usePrebuiltPrograms(inject('prebuiltPrograms') || undefined);
