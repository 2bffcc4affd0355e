import type { ReactNode } from 'react';
import { apiUrl } from '@/lib/api-client';
import { formatBytes } from '@/lib/format';
import { UNSURE_BAND } from '@/lib/verdict';
import type { ModelCard, ModelMetrics, ModelTraining } from '@/types/api';
import { useModelCard } from '../hooks/useModelCard';

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
  const facts: Array<[string, ReactNode]> = [];
  if (typeof training.train_images === 'number') facts.push(['Training images', number.format(training.train_images)]);
  if (typeof training.validation_images === 'number')
    facts.push(['Validation images', number.format(training.validation_images)]);
  if (typeof training.epochs === 'number') facts.push(['Epochs', training.epochs]);
  if (training.augmentation) facts.push(['Augmentation', training.augmentation]);
  if (training.calibration) facts.push(['Calibration', training.calibration]);
  if (training.hardware) facts.push(['Hardware', training.hardware]);
  if (typeof training.wall_time_seconds === 'number') facts.push(['Training time', formatDuration(training.wall_time_seconds)]);
  return (
    <>
      {training.data && <p>{training.data}</p>}
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
          <p className="stat-note">
            of {typeof metrics.test_images === 'number' ? number.format(metrics.test_images) : 'the'} CIFAKE test
            images classified correctly
          </p>
        </div>
        {typeof metrics.roc_auc === 'number' && (
          <div className="stat">
            <dt>ROC AUC</dt>
            <dd>{fixed(metrics.roc_auc)}</dd>
            <p className="stat-note">1.0 means it always ranks real photos above fakes</p>
          </div>
        )}
        {typeof metrics.ece === 'number' && (
          <div className="stat">
            <dt>Calibration error (ECE)</dt>
            <dd>{fixed(metrics.ece)}</dd>
            <p className="stat-note">how far its stated confidence is from how often it is right; lower is better</p>
          </div>
        )}
      </dl>

      {perClass.length > 0 && (
        <div className="table-wrap">
          <table className="data-table">
            <caption>Per class, on the test images</caption>
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
          </table>
        </div>
      )}

      {confusion?.labels && confusion.matrix && (
        <div className="table-wrap">
          <table className="data-table">
            <caption>Confusion matrix: rows are the true class, columns what the model said</caption>
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
          </table>
        </div>
      )}

      {metrics.jpeg_robustness && metrics.jpeg_robustness.length > 0 && (
        <div className="table-wrap">
          <table className="data-table">
            <caption>Accuracy after re-saving the test images as JPEG</caption>
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
          </table>
        </div>
      )}
    </>
  );
}

function apiHost(): string {
  return new URL(apiUrl('/api/')).host;
}

function Card({ card }: { card: ModelCard }) {
  return (
    <>
      <section aria-labelledby="about-what">
        <h3 id="about-what">What it does</h3>
        {card.description && <p>{card.description}</p>}
        <p>
          For each picture the model gives P(REAL), its probability that the picture is a real photograph. It answers
          “real photo” when P(REAL) is above {card.threshold}, and “AI-generated” otherwise.
        </p>
        <dl className="facts">
          {card.name && <Fact term="Model">{card.name}</Fact>}
          <Fact term="Version">{card.version}</Fact>
          {typeof card.parameters === 'number' && <Fact term="Parameters">{number.format(card.parameters)}</Fact>}
          {typeof card.file_size_bytes === 'number' && <Fact term="File size">{formatBytes(card.file_size_bytes)}</Fact>}
        </dl>
      </section>

      <section aria-labelledby="about-training">
        <h3 id="about-training">What it was trained on</h3>
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

      <section aria-labelledby="about-limits">
        <h3 id="about-limits">Its limits</h3>
        <p className="callout">
          The model was trained only on tiny 32×32 CIFAKE images. Large modern photos and pictures from newer image
          generators are outside what it was trained on, so on those its verdict is a rough hint at best, however
          confident it sounds.
        </p>
        {card.limitations.length > 0 && (
          <ul className="limits">
            {card.limitations.map((limitation) => (
              <li key={limitation}>{limitation}</li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

/** The "About the model" view, built from GET /api/model. */
export function AboutModel({ enabled = true }: { enabled?: boolean }) {
  const state = useModelCard(enabled);
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

      <section aria-labelledby="about-unsure">
        <h3 id="about-unsure">When the model is unsure</h3>
        <p>
          When P(REAL) is between {UNSURE_BAND.min} and {UNSURE_BAND.max}, the picture is close to the decision
          threshold. The app still shows the label the threshold gives, but marks the result “unsure”: at that point
          the model cannot really tell, and the verdict is little better than a guess.
        </p>
      </section>

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
