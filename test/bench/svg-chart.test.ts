import { describe, expect, it } from 'vitest';
import { compared, figure } from '../../bench/entry.ts';
import { axisDecades, renderRatioChart } from '../../bench/svg-chart.ts';

describe('axisDecades', () => {
  it('spans whole powers of ten around every ratio, always including 1× and 10×', () => {
    expect(axisDecades([0.47, 2.2, 58])).toEqual({ from: -1, to: 2 });
    expect(axisDecades([1.01])).toEqual({ from: 0, to: 1 });
    expect(axisDecades([])).toEqual({ from: 0, to: 1 });
  });
});

describe('renderRatioChart', () => {
  const entries = [
    compared('1. S', 'broadcast <1,000>', 12, 10, 'ms', { goal: { comparison: 'at-most', ratio: 1.2 } }),
    compared('4. S', 'authorizer', 4, 10, '/s', { goal: { comparison: 'at-least', ratio: 0.7 } }),
    compared('6. S', 'init connect', 22, 10, 'ms'),
    figure('5. S', 'held', 1000, 'connections'),
  ];
  const svg = renderRatioChart(entries, { title: 'Parley & co', subtitle: '2 cores' });

  it('draws one bar per figure that has a ratio, coloured by its goal', () => {
    const bars = [
      ...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="\d+" fill="(#[0-9a-f]+)"/g),
    ];
    expect(bars.map((bar) => bar[1])).toEqual(['#2e7d32', '#c62828', '#546e7a']);
    expect(svg).not.toContain('>held<');
  });

  it('marks each goal and labels each bar with its ratio', () => {
    expect(svg.match(/stroke="#000000" stroke-width="2"/g)).toHaveLength(2);
    expect(svg).toContain('>1.20×<');
    expect(svg).toContain('>0.40×<');
    expect(svg).toContain('>2.20×<');
  });

  it('escapes text and is a standalone SVG document', () => {
    expect(svg).toContain('broadcast &lt;1,000&gt;');
    expect(svg).toContain('Parley &amp; co');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.split('\n')[1]).toBe('<title>Parley &amp; co. 2 cores</title>');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});
