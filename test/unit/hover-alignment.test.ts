// What a hover says of an alignment: a neuron block, or a learned basis (DAS) with its k and coordinates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeExperiment } from '../../server/app/describe';
import { openExperiment } from '../../server/app/open';
import { alignmentLine } from '../../server/lsp/features';

async function lines(file: string, config: string): Promise<string[]> {
  const { exp, session } = await openExperiment({ file, config, backend: 'cpu' });
  try {
    return describeExperiment(exp, session).alignment.map(alignmentLine);
  } finally {
    session.dispose();
  }
}

test('a hover names the neuron block, or k and the coordinates of a learned rotation, or a boundless range', async () => {
  assert.deepEqual(await lines('samples/das/experiment.ts', 'STANDARD'), [
    'neurons: site `h1` [0:8] — 8 neurons',
    'neurons: site `h1` [8:16] — 8 neurons',
  ]);
  assert.deepEqual(await lines('samples/das/experiment.ts', 'DAS'), [
    'rotation (DAS): k = 4 coordinates [0:4] of a learned rotation of site `h1` (16 neurons)',
    'rotation (DAS): k = 4 coordinates [4:8] of a learned rotation of site `h1` (16 neurons)',
  ]);
  const boundless = await lines('samples/das/boundless.ts', 'BOUNDLESS');
  assert.match(
    boundless[0]!,
    /^boundless DAS: a learned rotation of site `h1` .*starts at \[0:4\].*boundless\.h1\.bounds/,
  );
});
