#!/usr/bin/python3
# k8s-fields.py -- for deploy.sh: the Kubernetes manifests of deploy/kubernetes
# hold only real API kinds and fields. Every key at every level must be in the
# allowlist below, keyed by its path with list indexes collapsed ("[]"), each
# with the type or the values the API takes (Kubernetes 1.24 and later). It
# lists the paths these manifests use, not the whole API: a field is added
# here, after a look at the API reference, when a manifest starts using it.
#   k8s-fields.py check FILE...   problems on stdout, exit 1 if any
#   k8s-fields.py json FILE...    every document as one JSON array ("-": stdin)
# A template's placeholders ("@NAME@", quoted) stand for any scalar.
import json
import re
import sys

import yaml

MAP = 'map'         # any keys, string values (data)
LABELS = 'labels'   # the same, each value a label value
QTY = 'qty'         # a resource quantity: "500m", "1", 512Mi, 2Gi, 3


def enum(*values):
    return ('enum',) + values


META = {'metadata': dict, 'metadata.name': str, 'metadata.labels': LABELS}

CONTAINER = {
    'name': str, 'image': str,
    'imagePullPolicy': enum('Always', 'IfNotPresent', 'Never'),
    'command': [str], 'args': [str],
    'ports': [dict], 'ports[].name': str, 'ports[].containerPort': int,
    'readinessProbe': dict, 'readinessProbe.httpGet': dict,
    'readinessProbe.httpGet.path': str,
    'readinessProbe.httpGet.port': (int, str),
    'readinessProbe.periodSeconds': int,
    'env': [dict], 'env[].name': str, 'env[].value': str,
    'env[].valueFrom': dict, 'env[].valueFrom.secretKeyRef': dict,
    'env[].valueFrom.secretKeyRef.name': str,
    'env[].valueFrom.secretKeyRef.key': str,
    'resources': dict, 'resources.requests': QTY, 'resources.limits': QTY,
    'securityContext': dict,
    'securityContext.allowPrivilegeEscalation': bool,
    'securityContext.capabilities': dict,
    'securityContext.capabilities.drop': [str],
    'volumeMounts': [dict], 'volumeMounts[].name': str,
    'volumeMounts[].mountPath': str, 'volumeMounts[].readOnly': bool,
}

AFFINITY = 'affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution'
POD = {
    'restartPolicy': enum('Always', 'OnFailure', 'Never'),
    'enableServiceLinks': bool,
    'affinity': dict, 'affinity.podAntiAffinity': dict,
    AFFINITY: [dict], AFFINITY + '[].topologyKey': str,
    AFFINITY + '[].labelSelector': dict,
    AFFINITY + '[].labelSelector.matchLabels': LABELS,
    'securityContext': dict, 'securityContext.runAsNonRoot': bool,
    'securityContext.runAsUser': int, 'securityContext.runAsGroup': int,
    'securityContext.fsGroup': int, 'securityContext.seccompProfile': dict,
    'securityContext.seccompProfile.type':
        enum('RuntimeDefault', 'Unconfined', 'Localhost'),
    'containers': [dict],
    'volumes': [dict], 'volumes[].name': str,
    'volumes[].configMap': dict, 'volumes[].configMap.name': str,
    'volumes[].secret': dict, 'volumes[].secret.secretName': str,
    'volumes[].secret.defaultMode': int,
    'volumes[].persistentVolumeClaim': dict,
    'volumes[].persistentVolumeClaim.claimName': str,
    'volumes[].emptyDir': dict,
}
POD.update({'containers[].' + k: v for k, v in CONTAINER.items()})


def template(prefix):
    """A pod template at prefix: its labels and its pod spec."""
    t = {prefix: dict, prefix + '.metadata': dict,
         prefix + '.metadata.labels': LABELS, prefix + '.spec': dict}
    t.update({prefix + '.spec.' + k: v for k, v in POD.items()})
    return t


KINDS = {
    ('v1', 'ConfigMap'): dict(META, data=MAP),
    ('v1', 'Secret'): dict(META, type=str, data=MAP, stringData=MAP),
    ('v1', 'PersistentVolumeClaim'): dict(META, **{
        'spec': dict,
        'spec.accessModes': [enum('ReadWriteOnce', 'ReadOnlyMany',
                                  'ReadWriteMany', 'ReadWriteOncePod')],
        'spec.resources': dict, 'spec.resources.requests': QTY}),
    ('v1', 'Service'): dict(META, **{
        'spec': dict,
        'spec.type': enum('ClusterIP', 'NodePort', 'LoadBalancer',
                          'ExternalName'),
        'spec.selector': LABELS, 'spec.ports': [dict],
        'spec.ports[].name': str, 'spec.ports[].port': int,
        'spec.ports[].targetPort': (int, str)}),
    ('apps/v1', 'Deployment'): dict(META, **{
        'spec': dict, 'spec.replicas': int, 'spec.strategy': dict,
        'spec.strategy.type': enum('Recreate', 'RollingUpdate'),
        'spec.selector': dict, 'spec.selector.matchLabels': LABELS,
        **template('spec.template')}),
    ('batch/v1', 'Job'): dict(META, **{
        'spec': dict, 'spec.completionMode': enum('Indexed', 'NonIndexed'),
        'spec.completions': int, 'spec.parallelism': int,
        'spec.backoffLimit': int, 'spec.ttlSecondsAfterFinished': int,
        **template('spec.template')}),
}

PLACEHOLDER = re.compile(r'^@[A-Z_]+@$')
# A DNS label (object names), a label value.
DNS_LABEL = re.compile(r'^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$')
LABEL_VALUE = re.compile(r'^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$')
QUANTITY = re.compile(r'^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$')


def scalar_ok(want, v):
    """Is the scalar v of type want (a type, a tuple of types, an enum)?"""
    if isinstance(v, str) and PLACEHOLDER.match(v):
        return True
    if isinstance(want, tuple) and want[0] == 'enum':
        return v in want[1:]
    types = want if isinstance(want, tuple) else (want,)
    if isinstance(v, bool):     # a bool is an int in python, not in the API
        return bool in types
    return isinstance(v, types)


def walk(schema, path, v, out):
    """Check v at path against schema; problems appended to out."""
    want = schema.get(path)
    if want is None:
        out.append('%s: not a field this allowlist knows' % path)
    elif want in (MAP, LABELS, QTY):
        if not isinstance(v, dict):
            out.append('%s: expected a map' % path)
            return
        for k, x in v.items():
            ok = isinstance(x, str) or (want == QTY and isinstance(x, int)
                                        and not isinstance(x, bool))
            if want == QTY and ok and not PLACEHOLDER.match(str(x)):
                ok = QUANTITY.match(str(x)) is not None
            if not ok:
                out.append('%s.%s: expected a %s' % (path, k, 'quantity'
                           if want == QTY else 'string'))
            if want == LABELS and isinstance(x, str) and \
                    not PLACEHOLDER.match(x) and not LABEL_VALUE.match(x):
                out.append('%s.%s: not a label value: %r' % (path, k, x))
    elif want is dict:
        if not isinstance(v, dict):
            out.append('%s: expected an object' % path)
            return
        for k, x in v.items():
            walk(schema, (path + '.' if path else '') + k, x, out)
    elif isinstance(want, list):
        if not isinstance(v, list):
            out.append('%s: expected a list' % path)
            return
        for x in v:
            if want[0] is dict and not isinstance(x, dict):
                out.append('%s[]: expected an object' % path)
            elif want[0] is dict:
                for k, y in x.items():
                    walk(schema, path + '[].' + k, y, out)
            elif not scalar_ok(want[0], x):
                out.append('%s[]: %r is not one of %s' % (path, x, want[0]))
    elif not scalar_ok(want, v):
        out.append('%s: %r is not %s' % (path, v, want))


def check(doc):
    """The problems of one document, as a list of strings."""
    if not isinstance(doc, dict):
        return ['not a mapping']
    kind = (doc.get('apiVersion'), doc.get('kind'))
    if kind not in KINDS:
        return ['apiVersion/kind %s/%s is not allowed' % kind]
    schema = dict(KINDS[kind], apiVersion=str, kind=str)
    schema[''] = dict
    out = []
    walk(schema, '', doc, out)
    name = doc.get('metadata', {}).get('name', '')
    if not PLACEHOLDER.match(str(name)) and not DNS_LABEL.match(str(name)):
        out.append('metadata.name: not a DNS label: %r' % name)
    return out


def load(files):
    docs = []
    for f in files:
        text = sys.stdin.read() if f == '-' else open(f).read()
        docs += [(f, d) for d in yaml.safe_load_all(text) if d is not None]
    return docs


def main(argv):
    if len(argv) < 3 or argv[1] not in ('check', 'json'):
        sys.stderr.write('usage: k8s-fields.py check|json FILE...\n')
        return 2
    docs = load(argv[2:])
    if argv[1] == 'json':
        json.dump([d for _, d in docs], sys.stdout, indent=1)
        print()
        return 0
    bad = 0
    for f, d in docs:
        what = '%s/%s' % (d.get('kind'), d.get('metadata', {}).get('name')) \
            if isinstance(d, dict) else '?'
        for p in check(d):
            print('%s: %s: %s' % (f, what, p))
            bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
