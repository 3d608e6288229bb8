/** `spin-ts models`: generate GGUF models (nothing can be downloaded here). */
import { Command } from 'commander';
import { reportAndExit } from './errors.js';

export function modelsCommand(): Command {
  const models = new Command('models').description('Work with local GGUF models');
  models
    .command('generate')
    .description('Write a generated GGUF model (fixed-seed weights) from a preset')
    .argument('<preset>', 'tiny-llama | tiny-predictable | tiny-bert | tinyllama-1.1b')
    .requiredOption('-o, --output <file.gguf>', 'where to write the model')
    .option('--quant <type>', 'f32 | f16 | q8_0 | q4_0 (default: the preset\'s)')
    .option('--seed <n>', 'weight seed', (v) => Number(v))
    .option('--if-missing', 'do nothing when the file already exists', false)
    .action(async (preset: string, o) => {
      try {
        const { modelsGenerateCommand } = await import('../llm/gguf/cli.js');
        await modelsGenerateCommand(preset, o.output, { quant: o.quant, seed: o.seed, ifMissing: o.ifMissing });
      } catch (err) {
        reportAndExit(err);
      }
    });
  return models;
}
