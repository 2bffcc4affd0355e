import { Component, type ComponentType, type ErrorInfo, type ReactNode } from 'react';

export interface FallbackProps {
  error: Error;
  resetErrorBoundary: () => void;
}

interface Props {
  FallbackComponent: ComponentType<FallbackProps>;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

/** Shows `FallbackComponent` instead of a blank page when rendering throws. */
export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('Unexpected error in the interface', error, info.componentStack);
  }

  reset = () => this.setState({ error: null });

  render() {
    const { error } = this.state;
    if (error) {
      const { FallbackComponent } = this.props;
      return <FallbackComponent error={error} resetErrorBoundary={this.reset} />;
    }
    return this.props.children;
  }
}
