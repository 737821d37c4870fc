/** The project's capture writer, for tests: see src/testing/capture-writer.ts. */
export * from '../../src/testing/capture-writer.js';
