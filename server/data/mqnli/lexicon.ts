/**
 * MQNLI's word lists (Geiger et al. 2019, "Posing fair generalization tasks for natural language inference"). The
 * template is `Q_S Adj_S N_S Neg Adv V Q_O Adj_O N_O`; the model treats every content word as an arbitrary token
 * (two different words are independent), so what matters is that the lists are disjoint and that BERT sees each word
 * as one wordpiece. These are our own lists of very common English words (not the authors'); the paper's example
 * sentence ("every baker happily eats some stale bread") is covered by baker, happily, eat, stale and bread, and its
 * hypothesis by angry.
 */

/** Quantifiers in the index order of the 12-integer encoding (Q codes 0..3). */
export const DETERMINERS = ['every', 'notevery', 'some', 'no'] as const;
export type Quantifier = (typeof DETERMINERS)[number];

/** The token standing for an absent adjective, adverb or negation. */
export const EMPTY = 'emptystring';

/** Words of the 12-slot token layout that are not content words ("not every" and "does not" are split there). */
export const FUNCTION_WORDS = ['not', 'does', 'every', 'some', 'no'] as const;

/** Words the JSONL sentence strings use as single tokens ("notevery", "doesnot"), besides the function words. */
export const STRING_FUNCTION_WORDS = [EMPTY, 'notevery', 'doesnot', ...FUNCTION_WORDS] as const;

export interface MqnliLexicon {
  /** Subject nouns (people). */
  agents: readonly string[];
  /** Object nouns. */
  things: readonly string[];
  subjectAdjectives: readonly string[];
  objectAdjectives: readonly string[];
  adverbs: readonly string[];
  /** Transitive verbs, one (base) form: the data has no morphology. */
  verbs: readonly string[];
}

// prettier-ignore
const AGENTS = [
  'baker', 'doctor', 'teacher', 'farmer', 'lawyer', 'nurse', 'pilot', 'driver', 'singer', 'dancer',
  'writer', 'painter', 'student', 'soldier', 'sailor', 'hunter', 'chef', 'king', 'queen', 'prince',
  'princess', 'priest', 'actor', 'artist', 'author', 'poet', 'scientist', 'engineer', 'banker', 'merchant',
  'guard', 'officer', 'detective', 'thief', 'pirate', 'knight', 'wizard', 'witch', 'giant', 'child',
  'boy', 'girl', 'man', 'woman', 'mother', 'father', 'brother', 'sister', 'uncle', 'aunt',
  'cousin', 'friend', 'neighbor', 'stranger', 'guest', 'visitor', 'tourist', 'customer', 'worker', 'servant',
  'boss', 'manager', 'president', 'senator', 'governor', 'mayor', 'professor', 'coach', 'player', 'athlete',
  'boxer', 'runner', 'captain', 'sergeant', 'clerk', 'secretary', 'librarian', 'barber', 'tailor', 'butcher',
  'carpenter', 'mechanic', 'miner', 'shepherd', 'waiter', 'musician', 'photographer', 'journalist', 'reporter', 'editor',
  'director', 'designer', 'architect', 'surgeon', 'dentist', 'chemist', 'monk', 'bishop', 'emperor', 'duke',
];

// prettier-ignore
const THINGS = [
  'bread', 'apple', 'cake', 'cheese', 'pizza', 'sandwich', 'cookie', 'pie', 'soup', 'egg',
  'banana', 'lemon', 'carrot', 'potato', 'tomato', 'onion', 'book', 'pen', 'pencil', 'paper',
  'letter', 'box', 'bag', 'bottle', 'cup', 'glass', 'plate', 'bowl', 'spoon', 'fork',
  'knife', 'table', 'chair', 'desk', 'bed', 'door', 'window', 'car', 'truck', 'bus',
  'bike', 'boat', 'ship', 'plane', 'ball', 'toy', 'doll', 'hat', 'shoe', 'shirt',
  'coat', 'dress', 'jacket', 'ring', 'clock', 'phone', 'computer', 'camera', 'radio', 'lamp',
  'key', 'rope', 'stone', 'rock', 'brick', 'stick', 'flower', 'tree', 'leaf', 'candle',
  'coin', 'map', 'ticket', 'card', 'photo', 'picture', 'guitar', 'piano', 'drum', 'violin',
  'sword', 'shield', 'gun', 'arrow', 'hammer', 'bucket', 'basket', 'blanket', 'pillow', 'towel',
  'mirror', 'wallet', 'umbrella', 'helmet', 'glove', 'boot', 'belt', 'tent', 'ladder', 'wheel',
];

// prettier-ignore
const SUBJECT_ADJECTIVES = [
  'angry', 'happy', 'sad', 'tall', 'short', 'old', 'young', 'rich', 'poor', 'brave',
  'clever', 'smart', 'wise', 'kind', 'cruel', 'gentle', 'honest', 'famous', 'lazy', 'busy',
  'tired', 'hungry', 'sick', 'healthy', 'strong', 'weak', 'quiet', 'loud', 'shy', 'proud',
  'calm', 'nervous', 'bored', 'lonely', 'friendly', 'polite', 'rude', 'funny', 'serious', 'silly',
  'crazy', 'curious', 'jealous', 'eager', 'careful', 'humble', 'loyal', 'noble', 'modest', 'cheerful',
  'sleepy', 'thirsty', 'wealthy', 'skinny', 'fat', 'handsome', 'pretty', 'beautiful', 'ugly', 'charming',
  'elegant', 'clumsy', 'awkward', 'confident', 'anxious', 'afraid', 'brilliant', 'stupid', 'foolish', 'innocent',
  'guilty', 'generous', 'greedy', 'selfish', 'stubborn', 'mature', 'naive', 'wild', 'fierce', 'bold',
  'tough', 'grateful', 'helpful', 'talented', 'ambitious', 'desperate', 'mad', 'evil', 'wicked', 'drunk',
  'blind', 'deaf', 'married', 'lucky', 'popular', 'mysterious', 'excited', 'worried', 'upset', 'scared',
];

// prettier-ignore
const OBJECT_ADJECTIVES = [
  'stale', 'fresh', 'red', 'blue', 'green', 'yellow', 'black', 'white', 'brown', 'pink',
  'purple', 'gray', 'big', 'small', 'large', 'tiny', 'huge', 'heavy', 'light', 'long',
  'wide', 'narrow', 'thick', 'thin', 'round', 'flat', 'sharp', 'dull', 'soft', 'hard',
  'smooth', 'rough', 'wet', 'dry', 'hot', 'cold', 'warm', 'cool', 'dirty', 'new',
  'broken', 'cheap', 'expensive', 'empty', 'full', 'shiny', 'dark', 'bright', 'golden', 'silver',
  'wooden', 'metal', 'plastic', 'rusty', 'dusty', 'sticky', 'ripe', 'rotten', 'sour', 'bitter',
  'salty', 'spicy', 'sweet', 'tasty', 'delicious', 'frozen', 'raw', 'burnt', 'cooked', 'fancy',
  'plain', 'simple', 'strange', 'rare', 'common', 'ancient', 'modern', 'antique', 'precious', 'valuable',
  'useful', 'useless', 'fragile', 'solid', 'hollow', 'loose', 'tight', 'clear', 'colorful', 'pale',
  'secret', 'hidden', 'lost', 'stolen', 'missing', 'damaged', 'perfect', 'lovely', 'nice', 'clean',
];

// Manner, time and place adverbs only: frequency or negative adverbs (never, always, rarely) would read as
// quantifiers or negations to a pretrained model, though the labels ignore what words mean.
// prettier-ignore
const ADVERBS = [
  'happily', 'sadly', 'quickly', 'slowly', 'quietly', 'loudly', 'carefully', 'easily', 'badly', 'gently',
  'softly', 'suddenly', 'openly', 'secretly', 'freely', 'proudly', 'bravely', 'calmly', 'eagerly', 'angrily',
  'boldly', 'briefly', 'cheerfully', 'closely', 'correctly', 'deeply', 'directly', 'fairly', 'fiercely', 'firmly',
  'gladly', 'honestly', 'kindly', 'lightly', 'madly', 'neatly', 'nervously', 'nicely', 'patiently', 'perfectly',
  'politely', 'poorly', 'properly', 'rapidly', 'roughly', 'rudely', 'safely', 'seriously', 'sharply', 'silently',
  'smoothly', 'steadily', 'strongly', 'swiftly', 'tightly', 'warmly', 'wildly', 'wisely', 'violently', 'blindly',
  'casually', 'deliberately', 'gracefully', 'heavily', 'instantly', 'loosely', 'naturally', 'precisely', 'promptly', 'regularly',
  'repeatedly', 'sincerely', 'strictly', 'successfully', 'thoroughly', 'immediately', 'anxiously', 'awkwardly', 'constantly', 'curiously',
  'desperately', 'reluctantly', 'fast', 'well', 'early', 'late', 'alone', 'again', 'soon', 'later',
  'today', 'tonight', 'yesterday', 'tomorrow', 'here', 'there', 'outside', 'inside', 'nearby', 'together',
];

// prettier-ignore
const VERBS = [
  'eat', 'see', 'like', 'love', 'hate', 'want', 'need', 'find', 'take', 'make',
  'buy', 'sell', 'carry', 'hold', 'open', 'close', 'break', 'build', 'cook', 'wash',
  'draw', 'read', 'write', 'move', 'push', 'pull', 'lift', 'throw', 'catch', 'kick',
  'hit', 'touch', 'watch', 'hear', 'help', 'call', 'meet', 'follow', 'visit', 'know',
  'keep', 'bring', 'send', 'use', 'drop', 'hide', 'fix', 'cut', 'burn', 'fill',
  'pick', 'grab', 'steal', 'borrow', 'share', 'count', 'enjoy', 'prefer', 'remember', 'forget',
  'choose', 'bake', 'boil', 'fry', 'mix', 'shake', 'taste', 'smell', 'drink', 'feed',
  'chase', 'attack', 'save', 'protect', 'destroy', 'lose', 'pay', 'own', 'wear', 'drive',
  'ride', 'play', 'study', 'teach', 'learn', 'leave', 'reach', 'climb', 'pass', 'store',
  'pack', 'deliver', 'collect', 'weigh', 'serve', 'greet', 'hug', 'kiss', 'thank', 'admire',
];

export const LEXICON: MqnliLexicon = Object.freeze({
  agents: Object.freeze(AGENTS),
  things: Object.freeze(THINGS),
  subjectAdjectives: Object.freeze(SUBJECT_ADJECTIVES),
  objectAdjectives: Object.freeze(OBJECT_ADJECTIVES),
  adverbs: Object.freeze(ADVERBS),
  verbs: Object.freeze(VERBS),
});

/** The lists in a fixed order (vocabulary ids follow it). */
export const LEXICON_CATEGORIES = [
  'agents',
  'things',
  'subjectAdjectives',
  'objectAdjectives',
  'adverbs',
  'verbs',
] as const satisfies readonly (keyof MqnliLexicon)[];

/**
 * Problems that would make a lexicon ambiguous: a word in two lists (the parser and the vocabulary could not tell
 * its role), a function word used as a content word, an empty list, or a word that is not one lowercase token.
 * Returns one line per problem; empty means usable.
 */
export function lexiconProblems(lex: MqnliLexicon): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const reserved = new Set<string>(STRING_FUNCTION_WORDS);
  for (const cat of LEXICON_CATEGORIES) {
    const words = lex[cat];
    if (words.length < 2) problems.push(`${cat} needs at least 2 words (a "different word" must exist)`);
    for (const w of words) {
      if (!/^[a-z]+$/.test(w)) problems.push(`${cat}: "${w}" is not one lowercase word`);
      if (reserved.has(w)) problems.push(`${cat}: "${w}" is a function word of the template`);
      const other = seen.get(w);
      if (other !== undefined) problems.push(`"${w}" is in both ${other} and ${cat}`);
      else seen.set(w, cat);
    }
  }
  return problems;
}
