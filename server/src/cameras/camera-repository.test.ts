import { cameraRepositoryContract, MemoryCameraRepository } from './camera-repository-contract.js';

cameraRepositoryContract('memory (test double)', async () => ({
  repository: new MemoryCameraRepository(),
  cleanup: async () => {},
}));
