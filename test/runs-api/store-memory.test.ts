import { createMemoryStore } from '../../src/runs-api/engines/responses/store/memory.js';
import { describeStoreContract } from './store.contract.js';

// The reference: the durable stores' suites check themselves against the same contract.
describeStoreContract('memory', { open: async (now) => ({ store: createMemoryStore(now) }) });
