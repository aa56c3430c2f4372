"""Demo data: the Harlan County Deflection Initiative that `manage.py seed_demo` builds.

Not a runtime app: it has no models, views or URLs, and nothing imports it. It sits on top of the
import contract (beside reports) and builds its rows through the apps' models and services.
`foundation` makes the agencies and people; `referrals`, `training`, `feedback` and `reports` add
each app's activity, in that order, so that later parts build on earlier ones.
The scale seeder for benchmarks lives in bench/scale.py (`manage.py seed_scale`).
"""
