from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.insights.services import churn_fit


class Command(BaseCommand):
    help = ("Fit the churn (BG/NBD) and spend (Gamma-Gamma) models on purchase events and "
            "score every customer; give contract customers the rule score. --as-of fits on "
            "the events up to that day, as if it were that day.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                            help="use purchases up to and including this day")
        parser.add_argument("--backfill-weeks", dest="backfill_weeks", type=int, default=0,
                            metavar="N",
                            help="while there is no score history yet, also score each of "
                                 "the N weeks before with this model (for the chart)")

    def handle(self, *args, **options) -> None:
        as_of = None
        if options["as_of"]:
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError("--as-of: give a date as YYYY-MM-DD") from exc
        if options["backfill_weeks"] < 0:
            raise CommandError("--backfill-weeks: give a number of weeks, 0 or more")
        fit = churn_fit(as_of, backfill_weeks=options["backfill_weeks"])
        contracts = f"; {fit.contract_customers} contract customers given the rule score"
        if not fit.converged and not fit.contract_customers:
            raise CommandError(f"the fit did not converge, the previous model stays: "
                               f"{fit.reason}")
        if not fit.converged:
            self.stderr.write(f"the fit did not converge, the previous model stays: "
                              f"{fit.reason}")
            self.stdout.write(f"as of {fit.as_of}{contracts}; {fit.seconds:.1f} s")
            return
        self.stdout.write(
            f"as of {fit.as_of}: {fit.customers} customers ({fit.repeat_customers} repeat); "
            f"BG/NBD r={fit.r:.4f} alpha={fit.alpha:.4f} a={fit.a:.4f} b={fit.b:.4f} "
            f"LL={fit.log_likelihood:.3f}; Gamma-Gamma "
            + (f"p={fit.p:.4f} q={fit.q:.4f} gamma={fit.gamma:.4f}" if fit.p else "not fitted")
            + (contracts if fit.contract_customers else "") + f"; {fit.seconds:.1f} s"
        )
