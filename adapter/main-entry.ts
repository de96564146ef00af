import { runDebugAdapter } from './main';

runDebugAdapter();
