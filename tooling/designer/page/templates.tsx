import { descriptionId, getTemplate, getUiOptions, titleId, type FieldTemplateProps, type ObjectFieldTemplateProps, type TemplatesType } from '@rjsf/utils';
import { useState } from 'react';

// react-jsonschema-form's field layout, with one change: the required mark is hidden from
// screen readers (the input says aria-required itself), so each field's accessible name is
// exactly the schema's title ("Name", not "Name*").
function FieldTemplate(props: FieldTemplateProps) {
  const { id, label, children, errors, help, description, hidden, required, displayLabel, registry, uiSchema } = props;
  const uiOptions = getUiOptions(uiSchema);
  const WrapIfAdditionalTemplate = getTemplate('WrapIfAdditionalTemplate', registry, uiOptions);
  if (hidden) return <div className="hidden">{children}</div>;
  const isCheckbox = uiOptions.widget === 'checkbox';
  return (
    <WrapIfAdditionalTemplate {...props}>
      {displayLabel && !isCheckbox && label && (
        <label className="control-label" htmlFor={id}>
          {label}
          {required && (
            <span className="required" aria-hidden="true" title="required">
              *
            </span>
          )}
        </label>
      )}
      {displayLabel && description ? description : null}
      {children}
      {errors}
      {help}
    </WrapIfAdditionalTemplate>
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The object's fields, with those the schema marks `x-advanced` folded under **Advanced** (like
 * n8n's "Add option"): a panel shows what a person sets, and the rest is one click away. The
 * fold says how many inputs it holds and how many are set, and opens by itself when one of them
 * has a problem.
 */
function ObjectFieldTemplate(props: ObjectFieldTemplateProps) {
  const { title, description, properties, registry, uiSchema, schema, fieldPathId, formData, errorSchema, required } = props;
  const options = getUiOptions(uiSchema);
  const advanced = new Set(Array.isArray(options.advanced) ? (options.advanced as string[]) : []);
  const TitleFieldTemplate = getTemplate('TitleFieldTemplate', registry, options);
  const DescriptionFieldTemplate = getTemplate('DescriptionFieldTemplate', registry, options);
  const folded = properties.filter((p) => advanced.has(p.name) && !p.hidden);
  const shown = properties.filter((p) => !advanced.has(p.name) || p.hidden);
  const values = (formData ?? {}) as Record<string, unknown>;
  const schemas = (schema.properties ?? {}) as Record<string, { default?: unknown }>;
  const isSet = (name: string) => values[name] !== undefined && values[name] !== '' && JSON.stringify(values[name]) !== JSON.stringify(schemas[name]?.default);
  const setCount = folded.filter((p) => isSet(p.name)).length;
  const errors = errorSchema as Record<string, { __errors?: string[] } | undefined> | undefined;
  const withProblems = folded.filter((p) => (errors?.[p.name]?.__errors?.length ?? 0) > 0).length;
  const [open, setOpen] = useState(withProblems > 0);
  return (
    <fieldset id={fieldPathId.$id}>
      {title && <TitleFieldTemplate id={titleId(fieldPathId)} title={title} required={required} schema={schema} uiSchema={uiSchema} registry={registry} />}
      {description && <DescriptionFieldTemplate id={descriptionId(fieldPathId)} description={description} schema={schema} uiSchema={uiSchema} registry={registry} />}
      {shown.map((p) => p.content)}
      {folded.length > 0 && (
        <details className="advanced" open={open || withProblems > 0} onToggle={(event) => setOpen((event.target as HTMLDetailsElement).open)}>
          <summary>
            Advanced{' '}
            <span className="muted">
              — {plural(folded.length, 'more input')}
              {setCount > 0 ? `, ${setCount} set` : ''}
              {withProblems > 0 ? `, ${plural(withProblems, 'problem')}` : ''}
            </span>
          </summary>
          {folded.map((p) => p.content)}
        </details>
      )}
    </fieldset>
  );
}

export const templates: Partial<TemplatesType> = { FieldTemplate, ObjectFieldTemplate };
