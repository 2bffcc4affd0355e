import type { ReactNode } from 'react';
import { useModelCard } from '@/components/ModelCardProvider';
import { TableScroll } from '@/components/TableScroll';
import { apiUrl } from '@/lib/api-client';
import { formatBytes } from '@/lib/format';
import { formatPercent, WORDING_NEEDS_ACCURACY } from '@/lib/verdict';
import type { Decision, DetectorStatus, ModelCard, ModelMetrics, ModelTraining } from '@/types/api';

const number = new Intl.NumberFormat('en');
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const fixed = (value: number | undefined, digits = 3) => (typeof value === 'number' ? value.toFixed(digits) : '—');

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Training({ training }: { training?: ModelTraining }) {
  if (!training) return <p>The model card does not describe the training run.</p>;
  const text = (value: unknown) => (typeof value === 'string' && value ? value : null);
  const facts: Array<[string, ReactNode]> = [];
  if (typeof training.train_images === 'number') facts.push(['Training images', number.format(training.train_images)]);
  if (typeof training.validation_images === 'number')
    facts.push(['Validation images', number.format(training.validation_images)]);
  if (typeof training.epochs === 'number') facts.push(['Epochs', training.epochs]);
  if (text(training.augmentation)) facts.push(['Augmentation', text(training.augmentation)]);
  if (text(training.calibration)) facts.push(['Calibration', text(training.calibration)]);
  if (text(training.hardware)) facts.push(['Hardware', text(training.hardware)]);
  if (typeof training.wall_time_seconds === 'number') facts.push(['Training time', formatDuration(training.wall_time_seconds)]);
  return (
    <>
      {text(training.data) && <p>{text(training.data)}</p>}
      {facts.length > 0 && (
        <dl className="facts">
          {facts.map(([term, value]) => (
            <Fact key={term} term={term}>
              {value}
            </Fact>
          ))}
        </dl>
      )}
    </>
  );
}

function Metrics({ metrics }: { metrics?: ModelMetrics }) {
  if (!metrics || typeof metrics.accuracy !== 'number') {
    return <p>This model has not been measured on the test images yet, so no accuracy is available.</p>;
  }
  const perClass = Object.entries(metrics.per_class ?? {});
  const confusion = metrics.confusion_matrix;
  return (
    <>
      <dl className="stats">
        <div className="stat">
          <dt>Accuracy</dt>
          <dd>{percent(metrics.accuracy)}</dd>
          <dd className="stat-note">
            of {typeof metrics.test_images === 'number' ? number.format(metrics.test_images) : 'the'} CIFAKE test
            images classified correctly
          </dd>
        </div>
        {typeof metrics.roc_auc === 'number' && (
          <div className="stat">
            <dt>ROC AUC</dt>
            <dd>{fixed(metrics.roc_auc)}</dd>
            <dd className="stat-note">1.0 means it always ranks real photos above fakes</dd>
          </div>
        )}
        {typeof metrics.ece === 'number' && (
          <div className="stat">
            <dt>Calibration error (ECE)</dt>
            <dd>{fixed(metrics.ece)}</dd>
            <dd className="stat-note">how far its stated confidence is from how often it is right; lower is better</dd>
          </div>
        )}
      </dl>

      {perClass.length > 0 && (
        <TableScroll caption="Per class, on the test images" className="data-table">
          <thead>
            <tr>
              <th scope="col">Class</th>
              <th scope="col">Precision</th>
              <th scope="col">Recall</th>
              <th scope="col">F1</th>
              <th scope="col">Images</th>
            </tr>
          </thead>
          <tbody>
            {perClass.map(([name, scores]) => (
              <tr key={name}>
                <th scope="row">{name === 'FAKE' ? 'FAKE (AI-generated)' : name === 'REAL' ? 'REAL (photo)' : name}</th>
                <td>{fixed(scores.precision)}</td>
                <td>{fixed(scores.recall)}</td>
                <td>{fixed(scores.f1)}</td>
                <td>{typeof scores.support === 'number' ? number.format(scores.support) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}

      {confusion?.labels && confusion.matrix && (
        <TableScroll caption="Confusion matrix: rows are the true class, columns what the model said" className="data-table">
          <thead>
            <tr>
              <td />
              {confusion.labels.map((label) => (
                <th scope="col" key={label}>
                  Said {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {confusion.matrix.map((row, index) => (
              <tr key={confusion.labels?.[index] ?? index}>
                <th scope="row">Truly {confusion.labels?.[index]}</th>
                {row.map((count, column) => (
                  <td key={column}>{number.format(count)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}

      {metrics.jpeg_robustness && metrics.jpeg_robustness.length > 0 && (
        <TableScroll caption="Accuracy after re-saving the test images as JPEG" className="data-table">
          <thead>
            <tr>
              <th scope="col">JPEG quality</th>
              <th scope="col">Accuracy</th>
            </tr>
          </thead>
          <tbody>
            {metrics.jpeg_robustness.map((row) => (
              <tr key={row.quality}>
                <th scope="row">{row.quality}</th>
                <td>{percent(row.accuracy)}</td>
              </tr>
            ))}
          </tbody>
        </TableScroll>
      )}
    </>
  );
}

function apiHost(): string {
  return new URL(apiUrl('/api/')).host;
}

/** The verdict rule and how sure a model guess may sound, from the card's `decision` block. */
function DecisionRules({ decision }: { decision: Decision }) {
  return (
    <section aria-labelledby="about-verdict">
      <h3 id="about-verdict">How a verdict is decided</h3>
      <p>
        Each result leads with one verdict. The app first looks at what the file itself says, and only falls back on the
        pixel model’s guess when the file settles nothing. In order:
      </p>
      <ol className="rules">
        {decision.verdict_rules.map((rule) => (
          <li key={rule}>{rule}</li>
        ))}
      </ol>
    </section>
  );
}

function InputKinds({ decision }: { decision: Decision }) {
  return (
    <section aria-labelledby="about-kinds">
      <h3 id="about-kinds">How often the model is right, by kind of picture</h3>
      <p>
        A thumbnail and a large photo are different problems, so the model’s confidence is calibrated separately for each
        kind of picture, and the app quotes how often the model was right on that kind in our tests. It calls a guess
        “very confident” only where that accuracy is at least {formatPercent(WORDING_NEEDS_ACCURACY['very-high'])}, and
        “confident” only where it is at least {formatPercent(WORDING_NEEDS_ACCURACY.high)}.
      </p>
      <TableScroll caption="Measured accuracy of the pixel model per kind of picture" className="data-table">
        <thead>
          <tr>
            <th scope="col">Kind of picture</th>
            <th scope="col">Right in our tests</th>
            <th scope="col">Measured on</th>
            <th scope="col">Calibration error (ECE)</th>
          </tr>
        </thead>
        <tbody>
          {decision.input_kinds.map((kind) => (
            <tr key={kind.name}>
              <th scope="row">{kind.description}</th>
              <td>{kind.measured_accuracy === null ? 'not measured yet' : percent(kind.measured_accuracy)}</td>
              <td>{kind.measured_on ?? '—'}</td>
              <td>{typeof kind.ece === 'number' ? fixed(kind.ece) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </TableScroll>
    </section>
  );
}

function Card({ card }: { card: ModelCard }) {
  const { decision } = card;
  const { threshold } = decision;
  return (
    <>
      <section aria-labelledby="about-what">
        <h3 id="about-what">What it does</h3>
        {card.description && <p>{card.description}</p>}
        <p>
          For each picture the pixel model gives P(REAL), its probability that the picture is a real photograph. It
          answers “real photo” when P(REAL) is above {threshold}, and “AI-generated” otherwise. It sees every picture
          shrunk to {decision.input_size}×{decision.input_size} pixels.
        </p>
        <dl className="facts">
          {card.name && <Fact term="Model">{card.name}</Fact>}
          <Fact term="Version">{card.version}</Fact>
          {typeof card.parameters === 'number' && <Fact term="Parameters">{number.format(card.parameters)}</Fact>}
          {typeof card.file_size_bytes === 'number' && <Fact term="File size">{formatBytes(card.file_size_bytes)}</Fact>}
        </dl>
      </section>

      <DecisionRules decision={decision} />

      {card.detectors.length > 0 && <Detectors detectors={card.detectors} />}

      <section aria-labelledby="about-training">
        <h3 id="about-training">What it was trained on</h3>
        {/* Free-form in the schema: the view shows the fields it knows, each checked for its type. */}
        <Training training={card.training} />
      </section>

      <section aria-labelledby="about-accuracy">
        <h3 id="about-accuracy">How accurate it is</h3>
        <Metrics metrics={card.metrics} />
        {card.plots.length > 0 && (
          <div className="plots">
            {card.plots.map((plot) => (
              <figure key={plot.name} className="plot">
                <img src={apiUrl(plot.url)} alt={plot.title} loading="lazy" />
                <figcaption>{plot.title}</figcaption>
              </figure>
            ))}
          </div>
        )}
      </section>

      <InputKinds decision={decision} />

      <section aria-labelledby="about-unsure">
        <h3 id="about-unsure">When the model is unsure</h3>
        <p>
          When the model’s calibrated confidence is below {formatPercent(decision.unsure_below)}, or the picture is unlike
          those it was trained on, and nothing in the file settles the question, the verdict is “Can’t tell”: at that
          point the model’s guess is little better than a coin toss. The result still says, in smaller words, which way the
          model leans (the label its {threshold} threshold gives) and how often it was right on such pictures.
        </p>
      </section>

      <section aria-labelledby="about-limits">
        <h3 id="about-limits">Its limits</h3>
        {card.limitations.length > 0 ? (
          <ul className="limits">
            {card.limitations.map((limitation) => (
              <li key={limitation}>{limitation}</li>
            ))}
          </ul>
        ) : (
          <p>The model card lists no limitations.</p>
        )}
      </section>
    </>
  );
}

const DETECTOR_STATES: Record<DetectorStatus['state'], string> = {
  measured: 'Measured',
  model_card: 'Built in',
  not_measured: 'Not measured: never speaks',
  failed: 'Failed to load: never speaks',
};

/** What one detector earned on held-out sources, in a few words. */
function heldOutFigure(detector: DetectorStatus): string {
  const measured = detector.measurement;
  if (!measured || measured.mean_source_roc_auc === null) return '—';
  return (
    `mean per-source ROC-AUC ${fixed(measured.mean_source_roc_auc)} on ${number.format(measured.pictures)} ` +
    `pictures from ${number.format(measured.sources)} sources`
  );
}

/** Every pixel detector the server loaded, with its state, what it earned and why one stays silent. */
function Detectors({ detectors }: { detectors: DetectorStatus[] }) {
  return (
    <section aria-labelledby="about-detectors">
      <h3 id="about-detectors">Pixel detectors</h3>
      <p>
        Besides the built-in model, the server may run detectors its operator brought. Only a detector measured on
        pictures from sources it never saw adds its evidence line, and the one with the best measured figure leads the
        verdict where it earned it.
      </p>
      <TableScroll caption="Pixel detectors on this server" className="data-table">
        <thead>
          <tr>
            <th scope="col">Detector</th>
            <th scope="col">State</th>
            <th scope="col">On held-out sources</th>
            <th scope="col">Leads</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {detectors.map((detector) => (
            <tr key={detector.name}>
              <th scope="row">{detector.name}</th>
              <td>{DETECTOR_STATES[detector.state]}</td>
              <td>{heldOutFigure(detector)}</td>
              <td>{detector.lead_rank === null ? '—' : `#${detector.lead_rank}`}</td>
              <td>{detector.reason ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </TableScroll>
    </section>
  );
}

/** The "About the model" view, built from GET /api/model. */
export function AboutModel() {
  const state = useModelCard();
  return (
    <section className="about" aria-labelledby="about-title">
      <h2 id="about-title">About the model</h2>

      {state.status === 'loading' && <p aria-busy="true">Loading the model card…</p>}
      {state.status === 'error' && (
        <div className="notice notice-error" role="alert">
          <div>
            <p className="notice-title">Could not load the model card: {state.error.title}</p>
            <p className="notice-text">{state.error.message}</p>
            <button type="button" className="button button-small" onClick={state.reload}>
              Try again
            </button>
          </div>
        </div>
      )}
      {state.status === 'ready' && <Card card={state.card} />}

      <section aria-labelledby="about-privacy">
        <h3 id="about-privacy">Your privacy</h3>
        <p>
          No image ever leaves your browser except to this app’s own API ({apiHost()}), which analyses it in memory and
          does not store it. The page loads no external scripts, fonts or trackers. The session history is kept only in
          this browser tab.
        </p>
      </section>
    </section>
  );
}
