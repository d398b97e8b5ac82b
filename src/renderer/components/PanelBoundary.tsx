// One error boundary per panel: a bug in one panel shows there, with a way to retry, and never blanks the app.
import { Component, type ReactNode } from 'react';

interface Props {
  readonly name: string;
  readonly children: ReactNode;
}

interface State {
  readonly error: Error | null;
}

export class PanelBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error): void {
    console.error(`[${this.props.name}]`, error);
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="panel-crash" role="alert" data-panel={this.props.name}>
        <div className="error-title">The {this.props.name} panel stopped working</div>
        <div className="error-text">{this.state.error.message}</div>
        <div className="error-hint">The rest of the app is unaffected and your project is safe. This is a bug; please report it.</div>
        <button onClick={() => this.setState({ error: null })}>Reload panel</button>
      </div>
    );
  }
}
