import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GantryMetric, strategyTag } from '../../../workflows/contracts/metrics.js';

describe('Gantry metrics', () => {
  it('are each documented in the README, under the name Prometheus scrapes', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const metric of Object.values(GantryMetric)) {
      const scraped = metric.kind === 'counter' ? `${metric.name}_total` : metric.kind === 'histogram' ? `${metric.name}_${metric.unit}` : metric.name;
      expect(readme, scraped).toContain(`| \`${scraped}\``);
      for (const tag of metric.tags) expect(readme.slice(readme.indexOf(`| \`${scraped}\``)).split('\n')[0], `${scraped} tag ${tag}`).toContain(`\`${tag}\``);
    }
  });

  it('name the strategy a deployment runs', () => {
    expect(strategyTag({})).toBe('in_place');
    expect(strategyTag({ deploymentStyle: { deploymentType: 'BLUE_GREEN' } })).toBe('blue_green');
    expect(strategyTag({ computePlatform: 'Lambda' })).toBe('lambda');
  });
});
