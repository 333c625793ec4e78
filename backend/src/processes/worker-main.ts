import { runProcess } from './run-process';
import { startWorkerProcess } from './worker-process';

runProcess('worker', startWorkerProcess);
