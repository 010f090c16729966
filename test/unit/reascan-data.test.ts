import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { DataError } from '../../server/data/idx';
import {
  AGENT_CHANNEL,
  allNounPhrases,
  attributeCounterfactual,
  buildVocabulary,
  checkReascanFile,
  COLOR_CHANNELS,
  commandList,
  commandTokens,
  decodeTokens,
  Direction,
  DIRECTION_CHANNELS,
  encodeTokens,
  exampleRecord,
  FIGURE_3B_SPLITS,
  generateExamples,
  generateReascanDataset,
  generateWorld,
  isNovelColor,
  isNovelDirection,
  isNovelLength,
  isNovelSize,
  makeExample,
  objectVector,
  parseCommand,
  parseNounPhrase,
  positionCounterfactual,
  positionPairAllowed,
  readReascanFile,
  readVocabularyFile,
  referents,
  SHAPE_CHANNELS,
  sharedAttributes,
  SIZE_CHANNELS,
  simulate,
  WORLD_CHANNELS,
  worldTensor,
  writeReascanFile,
  writeVocabularyFile,
  type PlacedObject,
  type ReascanDataset,
  type ReascanExample,
  type WorldObject,
} from '../../server/data/reascan';
import { Rng } from '../../server/engine/rng';

const tmpDirs: string[] = [];
function tmpFolder(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'iit-reascan-'));
  tmpDirs.push(d);
  return d;
}
after(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function placed(row: number, column: number, object: WorldObject): PlacedObject {
  return { object, position: { row, column }, vector: objectVector(object) };
}

/** An example in a hand-built world; the target is objects[0]. */
function example(command: string, referred: string, objects: PlacedObject[], agent = { row: 0, column: 0 }) {
  const parsed = parseCommand(command.split(' '))!;
  const situation = { gridSize: 6, agent, agentDirection: Direction.East, objects, target: objects[0]!, extra: {} };
  const e: ReascanExample = {
    command: command.split(' '),
    targetCommands: [],
    verb: parsed.verb,
    adverb: parsed.adverb,
    referredTarget: referred,
    situation,
    extra: {},
  };
  e.targetCommands = simulate(situation, objects[0]!.position, e.verb, e.adverb);
  return e;
}

describe('world tensor', () => {
  test('object vectors: size, then shape (circle, cylinder, square, box), then colour (red, blue, green, yellow)', () => {
    // The vector strings of ReaSCAN's released data files.
    assert.equal(objectVector({ shape: 'cylinder', color: 'green', size: 4 }), '000101000010');
    assert.equal(objectVector({ shape: 'box', color: 'red', size: 3 }), '001000011000');
    assert.equal(objectVector({ shape: 'square', color: 'blue', size: 2 }), '010000100100');
    assert.equal(objectVector({ shape: 'circle', color: 'yellow', size: 1 }), '100010000001');
  });

  test('[6, 6, 17] indexed [row, column, channel]: object vector, agent flag, agent direction', () => {
    const w = {
      gridSize: 6,
      agent: { row: 1, column: 4 },
      agentDirection: Direction.South,
      objects: [placed(2, 3, { shape: 'square', color: 'green', size: 3 })],
    };
    const t = worldTensor(w);
    assert.deepEqual(t.shape, [6, 6, 17]);
    assert.equal(WORLD_CHANNELS, 17);
    const cell = (r: number, c: number) => Array.from(t.data.slice((r * 6 + c) * 17, (r * 6 + c + 1) * 17));
    // Square green size 3 at row 2, column 3: size channel 2, shape channel 4 + 2, colour channel 8 + 2.
    const want = new Array(17).fill(0);
    [SIZE_CHANNELS + 2, SHAPE_CHANNELS + 2, COLOR_CHANNELS + 2].forEach((i) => (want[i] = 1));
    assert.deepEqual(cell(2, 3), want);
    // The agent at row 1, column 4 facing South: flag at 12, direction one-hot at 13 + 1.
    const agent = new Array(17).fill(0);
    agent[AGENT_CHANNEL] = 1;
    agent[DIRECTION_CHANNELS + 1] = 1;
    assert.equal(AGENT_CHANNEL, 12);
    assert.deepEqual(cell(1, 4), agent);
    assert.equal(
      t.data.reduce((s, x) => s + x, 0),
      5,
    );
  });

  test('a box and an object in one cell add up, as Grid.encode does', () => {
    const w = {
      gridSize: 6,
      agent: { row: 0, column: 0 },
      agentDirection: Direction.East,
      objects: [
        placed(3, 3, { shape: 'circle', color: 'red', size: 1 }),
        placed(3, 3, { shape: 'box', color: 'red', size: 2 }),
      ],
    };
    const t = worldTensor(w);
    const base = (3 * 6 + 3) * 17;
    assert.deepEqual(Array.from(t.data.slice(base, base + 12)), [1, 1, 0, 0, 1, 0, 0, 1, 2, 0, 0, 0]);
  });
});

describe('commands and referents', () => {
  test('45 noun phrases; 675 commands with all verbs and adverbs, 45 simple ones', () => {
    const nps = allNounPhrases();
    assert.equal(nps.length, 45);
    assert.equal(new Set(nps.map((n) => JSON.stringify(n))).size, 45);
    assert.equal(commandList('all').length, 675);
    assert.equal(commandList('simple').length, 45);
  });

  test('command tokens: "walk to the …", size before colour, "while zigzagging" as two tokens', () => {
    assert.deepEqual(
      commandTokens({ verb: 'walk', adverb: '', np: { size: 'small', color: 'red', shape: 'circle' } }),
      ['walk', 'to', 'the', 'small', 'red', 'circle'],
    );
    assert.deepEqual(commandTokens({ verb: 'pull', adverb: 'while zigzagging', np: { shape: 'square' } }), [
      'pull',
      'the',
      'square',
      'while',
      'zigzagging',
    ]);
  });

  test('parseCommand reads back every generated command, and gSCAN-style commands', () => {
    for (const c of commandList('all')) {
      const p = parseCommand(commandTokens(c))!;
      assert.deepEqual({ verb: p.verb, adverb: p.adverb, np: p.np }, c);
    }
    const g = parseCommand('push,a,green,small,square,cautiously'.split(','))!;
    assert.deepEqual(g.np, { color: 'green', size: 'small', shape: 'square' });
    assert.deepEqual(g.positions, { color: 2, size: 3, shape: 4 });
    assert.equal(parseCommand('walk,to,a,circle,while spinning'.split(','))!.adverb, 'while spinning');
    assert.equal(parseCommand('push,the,red,cylinder,that,is,inside,of,a,box'.split(',')), undefined);
    assert.deepEqual(parseNounPhrase(' red circle'), { color: 'red', shape: 'circle' });
    assert.equal(parseNounPhrase('big green object'), undefined);
  });

  test('size words: "small X" is an X smaller than some other X', () => {
    const objs = [
      placed(0, 0, { shape: 'circle', color: 'red', size: 2 }),
      placed(0, 1, { shape: 'circle', color: 'red', size: 4 }),
      placed(0, 2, { shape: 'circle', color: 'blue', size: 1 }),
    ];
    // Among red circles (2, 4) the small one is object 0, the big one object 1.
    assert.deepEqual(referents({ size: 'small', color: 'red', shape: 'circle' }, objs), [0]);
    assert.deepEqual(referents({ size: 'big', color: 'red', shape: 'circle' }, objs), [1]);
    // Without a colour all circles compare (1, 2, 4): both 1 and 2 are smaller than another — ambiguous.
    assert.deepEqual(referents({ size: 'small', shape: 'circle' }, objs), [0, 2]);
    assert.deepEqual(referents({ size: 'big', shape: 'circle' }, objs), [0, 1]);
    // One blue circle: "small blue circle" has nothing to be smaller than.
    assert.deepEqual(referents({ size: 'small', color: 'blue', shape: 'circle' }, objs), []);
    assert.deepEqual(referents({ color: 'red', shape: 'circle' }, objs), [0, 1]);
    assert.deepEqual(referents({ shape: 'square' }, objs), []);
  });

  test('vocabularies: PAD 0, SOS 1, EOS 2, then first-seen order; unknown words map to PAD', () => {
    const v = buildVocabulary([
      ['walk', 'to', 'the', 'circle'],
      ['push', 'the', 'square'],
    ]);
    assert.deepEqual(v.idxToWord, ['<PAD>', '<SOS>', '<EOS>', 'walk', 'to', 'the', 'circle', 'push', 'square']);
    assert.equal(v.frequencies.get('the'), 2);
    assert.deepEqual(encodeTokens(v, ['push', 'the', 'cylinder']), [1, 7, 5, 0, 2]);
    assert.deepEqual(decodeTokens(v, [1, 7, 5, 8, 2, 0, 0]), ['push', 'the', 'square']);
  });
});

describe('generator', () => {
  const nps = [
    { shape: 'circle' as const },
    { color: 'yellow' as const, shape: 'square' as const },
    { size: 'small' as const, shape: 'cylinder' as const },
    { size: 'big' as const, color: 'red' as const, shape: 'circle' as const },
  ];

  test('worlds: 13 objects on distinct cells, the target first and the only referent, the agent on a free cell', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 40; i++) {
      const np = nps[i % nps.length]!;
      const w = generateWorld(np, rng)!;
      assert.ok(w, 'a simple NP always yields a valid world');
      assert.equal(w.objects.length, 13);
      const cells = w.objects.map((o) => `${o.position.row},${o.position.column}`);
      assert.equal(new Set(cells).size, 13);
      assert.ok(!cells.includes(`${w.agent.row},${w.agent.column}`));
      assert.deepEqual(referents(np, w.objects), [0]);
      assert.equal(w.objects[0]!.object.shape, np.shape);
      assert.ok(w.objects.every((o) => o.object.shape !== 'box'));
      if (np.size) {
        // Every object of the NP's kind has one of two sizes.
        const kind = w.objects.filter(
          (o) => o.object.shape === np.shape && (!('color' in np) || o.object.color === np.color),
        );
        assert.equal(new Set(kind.map((o) => o.object.size)).size, 2);
      }
    }
  });

  test('deterministic for a seed; a different seed gives different worlds', () => {
    const opts = { seed: 11, worldsPerCommand: 2, nounPhrases: nps };
    const a = generateExamples(opts);
    assert.deepEqual(generateExamples(opts), a);
    assert.notDeepEqual(generateExamples({ ...opts, seed: 12 }), a);
    assert.equal(a.length, nps.length * 15 * 2);
    // Worlds of one command are distinct.
    const key = (e: ReascanExample) => JSON.stringify([e.situation.agent, e.situation.objects]);
    assert.notEqual(key(a[0]!), key(a[1]!));
  });

  test('examples carry the fields of the authors\u2019 generator, and their actions agree with the simulator', () => {
    const [e] = generateExamples({ seed: 1, nounPhrases: [nps[3]!], commands: 'simple' });
    const r = exampleRecord(e!);
    assert.equal(r.command, 'walk,to,the,big,red,circle');
    assert.equal(r.referred_target, 'big red circle');
    assert.equal(r.verb_in_command, 'walk');
    assert.equal(r.adverb_in_command, '');
    assert.deepEqual(r.object_pattern_map, { $OBJ_0: '$SIZE $COLOR $SHAPE' });
    const s = r.situation as Record<string, unknown>;
    assert.equal(s.agent_direction, 0);
    assert.equal(typeof (s.agent_position as Record<string, unknown>).row, 'string');
    assert.deepEqual(Object.keys(s.placed_objects as object).length, 13);
  });

  test('the splits never leak a held-out combination', () => {
    // Attribute data: novel colour and novel size.
    const attribute = generateReascanDataset('attribute', {
      seed: 5,
      worldsPerCommand: 1,
      nounPhrases: allNounPhrases(),
    });
    const sp = attribute.splits;
    assert.deepEqual(Object.keys(sp), ['train', 'test', 'dev', 'new_color', 'new_size']);
    for (const name of ['train', 'test', 'dev']) {
      for (const e of sp[name]!) assert.ok(!isNovelColor(e.command) && !isNovelSize(e.command), e.command.join(' '));
    }
    assert.ok(sp.new_color!.length > 0 && sp.new_color!.every((e) => isNovelColor(e.command)));
    assert.ok(sp.new_size!.length > 0 && sp.new_size!.every((e) => isNovelSize(e.command) && !isNovelColor(e.command)));
    assert.ok(Object.values(sp).every((xs) => xs.every((e) => e.targetCommands.length <= 35)));
    // Each example lands in at most one split.
    const all = Object.values(sp).flat();
    assert.equal(new Set(all).size, all.length);

    // Length and direction data: simple commands (walk, no adverb).
    const length = generateReascanDataset('length', { seed: 5, worldsPerCommand: 6 }).splits;
    assert.ok(length.new_action_length!.length > 0);
    assert.ok(length.new_action_length!.every((e) => isNovelLength(e.targetCommands)));
    for (const name of ['train', 'test', 'dev']) assert.ok(length[name]!.every((e) => e.targetCommands.length < 11));
    assert.ok(Object.values(length).every((xs) => xs.every((e) => e.verb === 'walk' && e.adverb === '')));

    const direction = generateReascanDataset('direction', { seed: 5, worldsPerCommand: 6 }).splits;
    const sw = (e: ReascanExample) => isNovelDirection(e.situation.agent, e.situation.target!.position);
    assert.ok(direction.situational_1!.length > 0 && direction.situational_1!.every(sw));
    for (const name of ['train', 'test', 'dev']) assert.ok(direction[name]!.every((e) => !sw(e)));
    assert.equal(FIGURE_3B_SPLITS['novel-direction'].heldOut, 'situational_1');
  });

  test('held-out predicates', () => {
    assert.ok(isNovelColor('walk to the big yellow square'.split(' ')));
    assert.ok(!isNovelColor('walk to the yellow circle'.split(' ')));
    assert.ok(isNovelSize('push the small cylinder'.split(' ')));
    assert.ok(isNovelSize('push the small blue cylinder hesitantly'.split(' ')));
    assert.ok(!isNovelSize('push the big blue cylinder'.split(' ')));
    // Target at [3,1] from agent [1,2]: one column West, two rows South.
    assert.ok(isNovelDirection({ row: 1, column: 2 }, { row: 3, column: 1 }));
    assert.ok(!isNovelDirection({ row: 1, column: 2 }, { row: 3, column: 2 }));
  });
});

describe('data files', () => {
  function small(): ReascanDataset {
    return generateReascanDataset('attribute', {
      seed: 2,
      worldsPerCommand: 1,
      nounPhrases: [{ shape: 'circle' }, { size: 'small', color: 'yellow', shape: 'square' }],
    });
  }

  test('write then read back gives the same dataset; writing again gives the same bytes', () => {
    const dir = tmpFolder();
    const ds = small();
    const file = path.join(dir, 'data-compositional-splits.txt');
    writeReascanFile(file, ds);
    const back = readReascanFile(file);
    assert.deepEqual(back, ds);
    writeReascanFile(path.join(dir, 'again.txt'), back);
    assert.equal(readFileSync(path.join(dir, 'again.txt'), 'utf8'), readFileSync(file, 'utf8'));
    // The temporary files are gone.
    assert.deepEqual(readdirSync(dir).sort(), ['again.txt', 'data-compositional-splits.txt']);
  });

  test('the layout is the original one', () => {
    const dir = tmpFolder();
    const file = path.join(dir, 'd.txt');
    writeReascanFile(file, small());
    const text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith('{\n    "grid_size": 6,\n    "type_grammar": "ReaSCAN-Grammer",'));
    const json = JSON.parse(text);
    for (const key of [
      'min_object_size',
      'max_object_size',
      'percentage_train',
      'intransitive_verbs',
      'transitive_verbs',
    ]) {
      assert.ok(key in json, key);
    }
    for (const key of ['adverbs', 'nouns', 'color_adjectives', 'size_adjectives']) assert.ok(key in json, key);
    const e = json.examples.train[0];
    for (const key of ['command', 'target_commands', 'verb_in_command', 'adverb_in_command', 'referred_target']) {
      assert.equal(typeof e[key], 'string', key);
    }
    const s = e.situation;
    assert.deepEqual(Object.keys(s.agent_position), ['row', 'column']);
    assert.equal(typeof s.agent_position.row, 'string');
    assert.equal(s.agent_direction, 0);
    assert.deepEqual(Object.keys(s.target_object), ['vector', 'position', 'object']);
    assert.deepEqual(Object.keys(s.placed_objects['0'].object), ['shape', 'color', 'size']);
    assert.deepEqual(s.placed_objects['0'], s.target_object);
  });

  test("gSCAN's layout loads too and keeps its own keys (manner, 11-digit vectors)", () => {
    const dir = tmpFolder();
    const file = path.join(dir, 'dataset.txt');
    const situation = {
      grid_size: 6,
      agent_position: { row: '2', column: '0' },
      agent_direction: 0,
      target_object: {
        vector: '10001000100',
        position: { row: '1', column: '1' },
        object: { shape: 'square', color: 'green', size: '1' },
      },
      distance_to_target: '2',
      direction_to_target: 'ne',
      placed_objects: {
        '0': {
          vector: '10001000100',
          position: { row: '1', column: '1' },
          object: { shape: 'square', color: 'green', size: '1' },
        },
      },
      carrying_object: null,
    };
    const gscan = {
      grid_size: 6,
      type_grammar: 'adverb',
      grammar: 'ROOT -> VP',
      min_object_size: 1,
      max_object_size: 4,
      max_recursion: 2,
      percentage_train: 0.8,
      examples: {
        train: [
          {
            command: 'push,a,green,small,square,cautiously',
            meaning: 'push,a,green,small,square,cautiously',
            derivation: 'NP -> NN',
            situation,
            // walk: East to column 1 (look first), North to row 1; push North from row 1 to row 0.
            target_commands: [
              ...['turn left', 'turn right', 'turn right', 'turn left', 'walk'],
              ...['turn left', 'turn left', 'turn right', 'turn right', 'turn left', 'walk'],
              ...['turn left', 'turn right', 'turn right', 'turn left', 'push'],
            ].join(','),
            verb_in_command: 'push',
            manner: 'cautiously',
            referred_target: 'small green square',
          },
        ],
        situational_1: [],
      },
      intransitive_verbs: ['walk'],
      transitive_verbs: ['push', 'pull'],
      adverbs: ['cautiously', 'while spinning', 'hesitantly', 'while zigzagging'],
      nouns: ['square', 'cylinder', 'circle'],
      color_adjectives: ['green', 'red', 'blue', 'yellow'],
      size_adjectives: ['small', 'big'],
    };
    writeFileSync(file, JSON.stringify(gscan, null, 4));
    const ds = readReascanFile(file);
    const e = ds.splits.train![0]!;
    assert.equal(e.adverb, 'cautiously');
    assert.equal(e.adverbKey, 'manner');
    assert.equal(e.situation.objects[0]!.vector, '10001000100');
    assert.deepEqual(ds.splits.situational_1, []);
    const out = path.join(dir, 'out.txt');
    writeReascanFile(out, ds);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), gscan);
    assert.deepEqual(checkReascanFile(file), {
      total: 1,
      agree: 1,
      disagreements: [],
      bySplit: { train: { total: 1, agree: 1 } },
    });
  });

  test('problems are DataErrors naming the file, the split and the example, with a fix', () => {
    const dir = tmpFolder();
    assert.throws(
      () => readReascanFile(path.join(dir, 'missing.txt')),
      (e: unknown) => e instanceof DataError && /no such/.test(e.message) && !!e.fix,
    );
    const bad = path.join(dir, 'bad.txt');
    writeFileSync(bad, '{"grid_size": 6, "examples": {"train": [');
    assert.throws(
      () => readReascanFile(bad),
      (e: unknown) => e instanceof DataError && e.file === bad,
    );
    const ds = small();
    const file = path.join(dir, 'd.txt');
    writeReascanFile(file, ds);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    json.examples.train[1].situation.agent_direction = 7;
    writeFileSync(file, JSON.stringify(json));
    assert.throws(
      () => readReascanFile(file),
      (e: unknown) =>
        e instanceof DataError &&
        e.message.includes('examples.train[1].situation.agent_direction') &&
        e.message.includes(file) &&
        !!e.fix,
    );
    // A write into a folder that does not exist fails cleanly.
    assert.throws(() => writeReascanFile(path.join(dir, 'no', 'such', 'x.txt'), ds), DataError);
  });

  test('--check agrees on 100% of generated data and lists disagreements', () => {
    const dir = tmpFolder();
    const ds = generateReascanDataset('attribute', {
      seed: 9,
      worldsPerCommand: 1,
      nounPhrases: allNounPhrases().slice(0, 12),
    });
    const file = path.join(dir, 'd.txt');
    writeReascanFile(file, ds);
    const ok = checkReascanFile(file);
    assert.ok(ok.total > 100);
    assert.equal(ok.agree, ok.total);
    assert.deepEqual(ok.disagreements, []);
    // Tamper with one example: it is reported with its split, index and both action sequences.
    const tampered = ds.splits.dev![0]!;
    const given = [...tampered.targetCommands, 'stay'];
    ds.splits.dev![0] = { ...tampered, targetCommands: given };
    writeReascanFile(file, ds);
    const r = checkReascanFile(file);
    assert.equal(r.agree, r.total - 1);
    assert.deepEqual(r.disagreements, [
      {
        split: 'dev',
        index: 0,
        command: tampered.command.join(','),
        given: given.join(','),
        computed: tampered.targetCommands.join(','),
      },
    ]);
  });

  test('vocabulary files round-trip in the authors\u2019 layout', () => {
    const dir = tmpFolder();
    const v = buildVocabulary([['turn left', 'walk', 'walk']]);
    const file = path.join(dir, 'target_vocabulary.txt');
    writeVocabularyFile(file, v);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(json.idx_to_word, ['<PAD>', '<SOS>', '<EOS>', 'turn left', 'walk']);
    assert.deepEqual(json.word_to_idx, { '<SOS>': 1, '<EOS>': 2, 'turn left': 3, walk: 4 });
    assert.equal(json.pad_token, '<PAD>');
    assert.deepEqual(readVocabularyFile(file), v);
    assert.ok(existsSync(file));
  });
});

describe('counterfactuals', () => {
  // Base world: the small red circle (size 2) at [0,2] is the target; a big red circle (4) at [3,0]; a blue
  // circle at [5,5]; a yellow square at [1,1]. Agent at [0,0] facing East.
  const baseObjects = [
    placed(0, 2, { shape: 'circle', color: 'red', size: 2 }),
    placed(3, 0, { shape: 'circle', color: 'red', size: 4 }),
    placed(5, 5, { shape: 'circle', color: 'blue', size: 1 }),
    placed(1, 1, { shape: 'square', color: 'yellow', size: 1 }),
  ];
  const base = example('walk to the small red circle', 'small red circle', baseObjects);
  const source = example('push the big blue square hesitantly', 'big blue square', [
    placed(4, 4, { shape: 'square', color: 'blue', size: 3 }),
    placed(4, 1, { shape: 'square', color: 'blue', size: 1 }),
  ]);

  test('size: "big red circle" in the base world is the size-4 red circle; the base verb walks to it', () => {
    assert.deepEqual(sharedAttributes(base, source), ['size', 'color', 'shape']);
    const cf = attributeCounterfactual(base, source, 'size')!;
    assert.deepEqual(cf.description, { size: 'big', color: 'red', shape: 'circle' });
    assert.deepEqual(cf.target, { row: 3, column: 0 });
    // [0,0] → [3,0]: three steps South (East→South is a right turn).
    assert.deepEqual(cf.actions, ['turn right', 'walk', 'walk', 'walk']);
    // Tokens: base "walk to the small red circle" — small at 3, circle at 5; source "push the big blue square
    // hesitantly" — big at 2, square at 4.
    assert.deepEqual(
      [cf.baseAttributeToken, cf.sourceAttributeToken, cf.baseNounToken, cf.sourceNounToken],
      [3, 2, 5, 4],
    );
  });

  test('no valid counterfactual: a size word needs exactly two candidates of different sizes', () => {
    // "small blue circle": one blue circle only.
    assert.equal(attributeCounterfactual(base, source, 'color'), undefined);
    // "small red square": no red square.
    assert.equal(attributeCounterfactual(base, source, 'shape'), undefined);
    // An attribute the source does not mention.
    const plain = example('walk to the circle', 'circle', [placed(2, 2, { shape: 'circle', color: 'red', size: 1 })]);
    assert.equal(attributeCounterfactual(base, plain, 'size'), undefined);
    assert.deepEqual(sharedAttributes(base, plain), ['shape']);
  });

  test('a description without a size word must pick out exactly one object; restrict skips held-out ones', () => {
    // Base "push the red circle": red circle [0,3] (target), yellow square [2,0], red square [2,3].
    const objects = [
      placed(0, 3, { shape: 'circle', color: 'red', size: 1 }),
      placed(2, 0, { shape: 'square', color: 'yellow', size: 3 }),
      placed(2, 3, { shape: 'square', color: 'red', size: 1 }),
    ];
    const b = example('push the red circle', 'red circle', objects);
    const s = example('walk to the yellow square', 'yellow square', [
      placed(5, 0, { shape: 'square', color: 'yellow', size: 2 }),
    ]);
    // Shape swap → "red square", the one at [2,3]. Walk East 3, then South 2 (a right turn); the light square
    // is pushed South to rows 3, 4, 5.
    const cf = attributeCounterfactual(b, s, 'shape')!;
    assert.deepEqual(cf.target, { row: 2, column: 3 });
    assert.deepEqual(cf.actions, ['walk', 'walk', 'walk', 'turn right', 'walk', 'walk', 'push', 'push', 'push']);
    // Colour swap → "yellow circle": there is none.
    assert.equal(attributeCounterfactual(b, s, 'color'), undefined);
    // Base "walk to the red square" in the same world, colour swap → "yellow square" at [2,0]: a held-out
    // description, skipped under restrict; its walk (right turn, two walks) is longer than maxActions 1.
    const rs = example('walk to the red square', 'red square', [objects[2]!, objects[0]!, objects[1]!]);
    const yellow = attributeCounterfactual(rs, s, 'color')!;
    assert.deepEqual(yellow.description, { color: 'yellow', shape: 'square' });
    assert.deepEqual(yellow.target, { row: 2, column: 0 });
    assert.deepEqual(yellow.actions, ['turn right', 'walk', 'walk']);
    assert.equal(attributeCounterfactual(rs, s, 'color', { restrict: true }), undefined);
    assert.equal(attributeCounterfactual(rs, s, 'color', { maxActions: 1 }), undefined);
  });

  test('position: swap the row or column difference and roll out the walk-only policy', () => {
    const baseState = { rowDiff: 2, colDiff: -3 };
    const sourceState = { rowDiff: -1, colDiff: 4 };
    // rowDiff ← −1: (−1, −3): reverse to West (L L), three walks, West→North is a right turn, one walk.
    assert.deepEqual(positionCounterfactual(baseState, sourceState, 'rowDiff'), {
      state: { rowDiff: -1, colDiff: -3 },
      actions: ['turn left', 'turn left', 'walk', 'walk', 'walk', 'turn right', 'walk'],
    });
    // colDiff ← 4: (2, 4): four walks East, East→South right, two walks.
    const col = positionCounterfactual(baseState, sourceState, 'colDiff');
    assert.deepEqual(col.actions, ['walk', 'walk', 'walk', 'walk', 'turn right', 'walk', 'walk']);
    // Restrictions: (2, −3) is South-West; 12 tokens with SOS and EOS is too long for by_length.
    const sw = positionCounterfactual(baseState, baseState, 'rowDiff');
    assert.equal(positionPairAllowed(sw, 5, 5, 'by_direction'), false);
    assert.equal(positionPairAllowed(col, 5, 5, 'by_direction'), true);
    const long = positionCounterfactual({ rowDiff: 5, colDiff: -4 }, baseState, 'colDiff'); // (5, −3): 11 actions
    assert.equal(long.actions.length, 11);
    assert.equal(positionPairAllowed(long, 5, 5, 'by_length'), false);
    assert.equal(positionPairAllowed(col, 5, 5, 'by_length'), true);
    assert.equal(positionPairAllowed(col, 0, 5), false);
  });

  test('the example helpers agree with the generator', () => {
    const [e] = generateExamples({ seed: 4, nounPhrases: [{ color: 'red', shape: 'circle' }], commands: 'simple' });
    const w = { gridSize: 6, agent: e!.situation.agent, objects: e!.situation.objects };
    assert.deepEqual(makeExample({ verb: 'walk', adverb: '', np: { color: 'red', shape: 'circle' } }, w), e);
  });
});
