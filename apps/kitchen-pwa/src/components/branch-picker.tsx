/** Branch choice for a person who runs the kitchen of several branches. */
import { useTexts } from '../i18n.ts';

export function BranchPicker({
  branches,
  onPick,
  onSignOut,
}: {
  branches: { id: string; name: string }[];
  onPick: (id: string) => void;
  onSignOut: () => void;
}) {
  const t = useTexts();
  return (
    <main className="login">
      <div className="login-card">
        <h1>{t.chooseBranch}</h1>
        <div className="branch-list">
          {branches.map((b) => (
            <button
              key={b.id}
              type="button"
              className="branch-button"
              data-testid="branch-option"
              onClick={() => onPick(b.id)}
            >
              {b.name}
            </button>
          ))}
        </div>
        <button type="button" className="link-button" onClick={onSignOut}>
          {t.signOut}
        </button>
      </div>
    </main>
  );
}
