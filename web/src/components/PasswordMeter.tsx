import { checkPassword } from "../lib/password";
import { useI18n, type TKey } from "../i18n";

const LABELS: TKey[] = ["auth.strength0", "auth.strength1", "auth.strength2", "auth.strength3", "auth.strength4"];

export function PasswordMeter({ password, email }: { password: string; email: string }) {
  const { t } = useI18n();
  if (!password) return null;
  const { score, problems } = checkPassword(password, email);
  return (
    <div className="meter" data-score={score} aria-live="polite">
      <div className="meter-bar">
        {[1, 2, 3, 4].map((i) => (
          <span key={i} className={i <= score ? `on s${score}` : ""} />
        ))}
      </div>
      <span className="meter-text">
        {t(LABELS[score]!)}
        {problems.length > 0 && ": " + problems.map((p) => t(`auth.problem.${p}` as TKey, { n: 10 })).join(", ")}
      </span>
    </div>
  );
}
