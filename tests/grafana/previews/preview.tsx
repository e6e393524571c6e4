// preview.tsx - draws one dashboard panel with @grafana/ui's TimeSeries (the component
// Grafana's time series panel renders), for make dashboard-previews (previews.py). The page
// sets window.PREVIEW first: the panel's JSON, Prometheus' range results for each of its
// targets, and the time range. Field config goes through @grafana/data's applyFieldOverrides
// and field matchers, as in Grafana.
import React from 'react';
import { createRoot } from 'react-dom/client';
import {
  FieldType, applyFieldOverrides, createTheme, dateTime, fieldMatchers, renderLegendFormat, toDataFrame,
} from '@grafana/data';
import { ThemeContext, TimeSeries } from '@grafana/ui';

type Series = { metric: Record<string, string>; values: Array<[number, string]> };
type Preview = {
  panel: any;
  results: Array<{ refId: string; legendFormat: string; series: Series[] }>;
  from_s: number;
  to_s: number;
  width: number;
  height: number;
};
const P = (window as any).PREVIEW as Preview;
const theme = createTheme({ colors: { mode: 'dark' } });

// What the Prometheus data source makes of a matrix: one frame per series, named by the
// legend format.
const frames = P.results.flatMap((r) => r.series.map((s) => {
  const { __name__, ...labels } = s.metric;
  return toDataFrame({
    refId: r.refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: s.values.map((v) => v[0] * 1000), config: {} },
      {
        name: 'Value', type: FieldType.number, labels, values: s.values.map((v) => parseFloat(v[1])),
        config: { displayNameFromDS: r.legendFormat ? renderLegendFormat(r.legendFormat, labels) : undefined },
      },
    ],
  });
}));

// The time series panel's own defaults (public/app/plugins/panel/timeseries), then the
// panel's. Grafana copies them onto each field through its option registry, which the app
// fills at start-up (not on npm): here they are copied directly, then the overrides are
// applied with Grafana's field matchers, then applyFieldOverrides computes display
// processors and series colours.
const defaults = P.panel.fieldConfig?.defaults ?? {};
const config = {
  color: { mode: 'palette-classic' },
  ...defaults,
  custom: {
    drawStyle: 'line', lineInterpolation: 'linear', lineWidth: 1, fillOpacity: 0, gradientMode: 'none',
    showPoints: 'auto', pointSize: 5, spanNulls: false, axisPlacement: 'auto', axisBorderShow: false,
    axisCenteredZero: false, axisColorMode: 'text', scaleDistribution: { type: 'linear' },
    stacking: { mode: 'none', group: 'A' }, thresholdsStyle: { mode: 'off' }, barAlignment: 0,
    hideFrom: { legend: false, tooltip: false, viz: false }, insertNulls: false,
    ...(defaults.custom ?? {}),
  },
};
for (const frame of frames) {
  for (const field of frame.fields) {
    if (field.type !== FieldType.time) field.config = { ...structuredClone(config), ...field.config };
  }
}
for (const o of P.panel.fieldConfig?.overrides ?? []) {
  const match = fieldMatchers.get(o.matcher.id).get(o.matcher.options);
  for (const frame of frames) {
    for (const field of frame.fields) {
      if (field.type === FieldType.time || !match(field, frame, frames)) continue;
      for (const prop of o.properties) {
        const path = prop.id.split('.');
        let at: any = field.config;
        for (const k of path.slice(0, -1)) at = at[k] ??= {};
        at[path[path.length - 1]] = prop.value;
      }
    }
  }
}
const processed = applyFieldOverrides({
  data: frames, fieldConfig: { defaults: {}, overrides: [] }, theme, timeZone: 'utc', replaceVariables: (s: string) => s,
});

const timeRange = {
  from: dateTime(P.from_s * 1000), to: dateTime(P.to_s * 1000),
  raw: { from: dateTime(P.from_s * 1000), to: dateTime(P.to_s * 1000) },
};
const legend = P.panel.options?.legend ?? { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] };
const titleHeight = 28;
createRoot(document.getElementById('root')!).render(
  <ThemeContext.Provider value={theme}>
    <div style={{ font: '500 14px Inter, Helvetica, Arial, sans-serif', color: theme.colors.text.primary, height: titleHeight, padding: '4px 8px' }}>
      {P.panel.title}
    </div>
    <TimeSeries frames={processed} width={P.width} height={P.height - titleHeight} timeRange={timeRange}
      timeZone="utc" legend={legend}>
      {() => null}
    </TimeSeries>
  </ThemeContext.Provider>,
);
