import { startApiProcess } from './api-process';
import { runProcess } from './run-process';

runProcess('api', startApiProcess);
