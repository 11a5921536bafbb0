/** Every verb, in the order --help lists them. */
import type { Verb } from '../verb.js';
import { checkVerb } from './check.js';
import { faultsVerb } from './faults.js';
import { genVerb } from './gen.js';
import { rankVerb } from './rank.js';
import { compareVerb, reportVerb } from './report.js';
import { runVerb } from './run.js';
import { sweepVerb } from './sweep.js';
import { viewVerb } from './view.js';

export const VERBS: readonly Verb[] = [runVerb, reportVerb, compareVerb, genVerb, checkVerb, faultsVerb, sweepVerb, viewVerb, rankVerb];
